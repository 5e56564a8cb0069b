"""Checking an evidence bundle's hash chain independently of the service that produced it.

Each record's hash is taken over the canonical JSON of its fields and the previous record's hash, as
``referee_shared.evidence_spec`` specifies (docs/registration.md). Arbitration recomputes every hash
and link with its own code over that one specification, and also reads what registration's own
verification found: a case is flagged if either sees a break.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from referee_shared.evidence_spec import GENESIS, HASH_ALGORITHM, HASHED_FIELDS, canonical_json, timestamp

from .trail import EvidenceBundle, TrailRecord

__all__ = ["GENESIS", "Anchor", "ChainCheck", "canonical_json", "check_chain", "hashed_fields", "record_hash"]


@dataclass(frozen=True)
class ChainCheck:
    intact: bool
    checked: int
    digest: str
    findings: list[str] = field(default_factory=list)


def record_hash(chain: str, record: TrailRecord) -> str:
    """The hash a record must carry: its fields (not its position) and its link to the previous one."""
    return hashlib.new(HASH_ALGORITHM, canonical_json(hashed_fields(chain, record))).hexdigest()


def hashed_fields(chain: str, record: TrailRecord) -> dict[str, Any]:
    """The record's values under the specification's field names; the chain is the bundle's, the time textual."""
    values = {name: getattr(record, name, None) for name in HASHED_FIELDS}
    values["chain"], values["recorded_at"] = chain, timestamp(record.recorded_at)
    return values


def describe(record: TrailRecord) -> str:
    return f"record #{record.seq} ({record.kind} by {record.actor} at {timestamp(record.recorded_at)})"


@dataclass(frozen=True)
class Anchor:
    """A chain head registration signed and published (evidence.checkpoints)."""

    seq: int
    hash: str


def check_chain(bundle: EvidenceBundle, anchors: Sequence[Anchor] = ()) -> ChainCheck:
    """Recompute every hash and link of the bundle; name each record that does not hold, and each signed
    checkpoint the bundle no longer matches (a rewrite with every hash recomputed)."""
    findings: list[str] = []
    previous_hash, expected_seq = GENESIS, 1
    for record in bundle.records:
        if record.seq != expected_seq:
            findings.append(f"{describe(record)} stands where record #{expected_seq} should: a record is missing")
        if record_hash(bundle.chain, record) != record.hash:
            findings.append(f"{describe(record)} does not match its hash: it was changed after it was written")
        if record.prev_hash != previous_hash:
            findings.append(f"{describe(record)} is not chained to the record before it")
        previous_hash, expected_seq = record.hash, record.seq + 1
    if bundle.records and bundle.digest != previous_hash:
        findings.append("the bundle's digest is not the hash of its last record")
    for finding in bundle.verification.findings:
        reported = f"registration reports: {finding.detail}"
        if reported not in findings:
            findings.append(reported)
    if not bundle.verification.intact and not bundle.verification.findings:
        findings.append("registration reports the chain broken")
    findings += _against_anchors(bundle, anchors)
    return ChainCheck(intact=not findings, checked=len(bundle.records), digest=bundle.digest, findings=findings)


def _against_anchors(bundle: EvidenceBundle, anchors: Sequence[Anchor]) -> list[str]:
    """The latest checkpoint the bundle reaches commits to every record up to it: compare that one.

    Checkpoints past the bundle's last record are left alone (the bundle may be older than the checkpoint).
    """
    by_seq = {record.seq: record for record in bundle.records}
    last = max(by_seq, default=0)
    reached = [anchor for anchor in anchors if anchor.seq <= last]
    if not reached:
        return []
    anchor = max(reached, key=lambda a: a.seq)
    record = by_seq.get(anchor.seq)
    if record is None:
        return [f"record #{anchor.seq}, which registration's signed checkpoint anchors, is missing"]
    if record.hash != anchor.hash:
        return [
            f"{describe(record)} is not the record registration's signed checkpoint anchors at #{anchor.seq}: "
            "the trail was rewritten and its hashes recomputed"
        ]
    return []
