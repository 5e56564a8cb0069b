"""A saved customer index: written once, loaded in seconds instead of rebuilt from every customer.

The file is a JSON line (the stamp: format, normalisation version, byte order and what the caller
needs to know the index is still the right one: the database and log position, or the CSV it came
from) followed by the index as ``marshal`` data (``CustomerIndex.to_state``). It is written to a
temporary file and renamed, so a reader never sees half a file. ``marshal`` runs no code on load
(unlike pickle), but the file is still this program's own cache: keep it where only it writes.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import sys
from pathlib import Path
from typing import Any

from .domain import profile_codec
from .domain.index import CustomerIndex

FORMAT = 1  # raise when CustomerIndex.to_state changes


def _stamp(extra: dict[str, Any]) -> dict[str, Any]:
    return {"format": FORMAT, "profiles": profile_codec.VERSION, "byteorder": sys.byteorder, **extra}


def save_index(path: Path, index: CustomerIndex, stamp: dict[str, Any]) -> None:
    """Write ``index`` with ``stamp`` (JSON values) to ``path``, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with partial.open("wb") as out:
        out.write(json.dumps(_stamp(stamp), ensure_ascii=False).encode() + b"\n")
        marshal.dump(index.to_state(), out)
    partial.replace(path)


def read_stamp(path: Path) -> dict[str, Any] | None:
    """The stamp of a saved index, or None when there is no file or it is of another format or normalisation."""
    try:
        with path.open("rb") as saved:
            stamp = json.loads(saved.readline())
    except (OSError, ValueError):
        return None
    if not isinstance(stamp, dict) or any(stamp.get(k) != v for k, v in _stamp({}).items()):
        return None
    return stamp


def load_index(path: Path, expected: dict[str, Any] | None = None) -> tuple[CustomerIndex, dict[str, Any]] | None:
    """The saved index and its stamp; None when missing, unreadable, stale or (``expected``) stamped otherwise."""
    stamp = read_stamp(path)
    if stamp is None or any(stamp.get(k) != v for k, v in (expected or {}).items()):
        return None
    try:
        with path.open("rb") as saved:
            saved.readline()
            state = marshal.load(saved)
        return CustomerIndex.from_state(state), stamp
    except (OSError, ValueError, EOFError, TypeError, KeyError):
        return None


def database_identity(url: str) -> str:
    """Names a database without its password, to know a saved index is this database's."""
    without_password = url.split("@", 1)[-1] if "@" in url else url
    return hashlib.sha256(without_password.encode()).hexdigest()[:16]
