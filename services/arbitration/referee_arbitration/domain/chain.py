"""Checking an evidence bundle's hash chain independently of the service that produced it.

Each record's hash is SHA-256 over the canonical JSON of its fields and the previous record's hash
(docs/registration.md). Arbitration recomputes every hash and link itself, and also reads what
registration's own verification found: a case is flagged if either sees a break.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .evidence import EvidenceBundle, TrailRecord

GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainCheck:
    intact: bool
    checked: int
    digest: str
    findings: list[str] = field(default_factory=list)


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def record_hash(chain: str, record: TrailRecord) -> str:
    """The hash a record must carry: its fields (not its position) and its link to the previous one."""
    return hashlib.sha256(canonical_json(hashed_fields(chain, record))).hexdigest()


def hashed_fields(chain: str, record: TrailRecord) -> dict[str, Any]:
    return {
        "record_id": record.record_id,
        "chain": chain,
        "recorded_at": timestamp(record.recorded_at),
        "actor": record.actor,
        "kind": record.kind,
        "lead_id": record.lead_id,
        "content": record.content,
        "rule_set": record.rule_set,
        "rule_version": record.rule_version,
        "prev_hash": record.prev_hash,
    }


def describe(record: TrailRecord) -> str:
    return f"record #{record.seq} ({record.kind} by {record.actor} at {timestamp(record.recorded_at)})"


def check_chain(bundle: EvidenceBundle) -> ChainCheck:
    """Recompute every hash and link of the bundle; name each record that does not hold."""
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
    return ChainCheck(intact=not findings, checked=len(bundle.records), digest=bundle.digest, findings=findings)
