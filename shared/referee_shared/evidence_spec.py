"""The evidence-hash specification, once: what a trail record's hash covers, in which form, by which algorithm.

A record's hash is ``HASH_ALGORITHM`` (hex) over the canonical JSON of its ``HASHED_FIELDS`` (the
position number is not hashed; the link to the previous record is), with ``recorded_at`` written by
``timestamp``. A chain's first record links to ``GENESIS``. Registration computes hashes with this,
arbitration's verifier recomputes them with its own code over the same definitions, and anyone holding
a bundle can do the same (docs/registration.md). Standard library only: domain code may import it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

HASH_ALGORITHM = "sha256"
"""A name ``hashlib.new`` accepts; digests are written in lowercase hex."""

GENESIS = "0" * 64
"""The previous hash of a chain's first record."""

HASHED_FIELDS: tuple[str, ...] = (
    "record_id",
    "chain",
    "recorded_at",
    "actor",
    "kind",
    "lead_id",
    "content",
    "rule_set",
    "rule_version",
    "prev_hash",
)
"""The fields a record's hash covers; the canonical form sorts keys, so this order is for readers."""


def timestamp(moment: datetime) -> str:
    """The one textual form of a time inside hashes: UTC, ISO 8601, microseconds."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: the same document always gives the same bytes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
