"""The normalisation as it was before a change, imported from git, to time it beside today's in one run.

``profile_before(ref)`` returns the ``profile`` function of ``services/dedup/referee_dedup/domain`` at the
git revision ``ref`` (default: the last commit before issue 15's cold-start work), loaded as a
separate package so both versions live in one process.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

BASELINE = "41f7ea7"  # main when the cold-start work began: normalisation of the first issue-15 round
_DOMAIN = "services/dedup/referee_dedup/domain"
_MODULES = ("__init__", "normalize", "divisions", "profile", "sounds", "geo", "index")


def profile_before(ref: str = BASELINE) -> Callable[[Any], Any]:
    root = Path(__file__).resolve().parent.parent
    package = f"dedup_before_{ref}"
    if package in sys.modules:
        return importlib.import_module(f"{package}.profile").profile  # type: ignore[no-any-return]
    target = Path(tempfile.mkdtemp(prefix="dedup-before-")) / package
    target.mkdir()
    for module in _MODULES:
        source = subprocess.run(
            ["git", "show", f"{ref}:{_DOMAIN}/{module}.py"], cwd=root, check=True, capture_output=True, text=True
        ).stdout
        (target / f"{module}.py").write_text(source, encoding="utf-8")
    sys.path.insert(0, str(target.parent))
    profile_module = importlib.import_module(f"{package}.profile")
    return profile_module.profile  # type: ignore[no-any-return]


def index_before(ref: str = BASELINE) -> type[Any]:
    """The ``CustomerIndex`` class at ``ref`` (it indexes today's profiles: their fields are the same)."""
    profile_before(ref)
    module = importlib.import_module(f"dedup_before_{ref}.index")
    index_class: type[Any] = module.CustomerIndex
    return index_class
