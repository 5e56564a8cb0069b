"""The tamper-evident evidence trail: records chained by SHA-256, and a verifier that names what broke.

Every record's hash covers its own fields and the hash of the record before it, so changing,
removing or reordering any record breaks a link that the verifier finds. Anyone holding a bundle
can re-run the same computation (see docs/registration.md); nothing here needs the database. What a
hash covers, its canonical form and its algorithm are specified once in ``referee_shared.evidence_spec``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from referee_shared.evidence_spec import GENESIS, HASH_ALGORITHM, HASHED_FIELDS, canonical_json, timestamp

__all__ = ["GENESIS", "canonical_json", "timestamp"]  # re-exported for the chain's readers in this service


@dataclass(frozen=True)
class Entry:
    """One record of a chain as stored: what happened, who did it, when the system saw it, and its links."""

    record_id: str
    chain: str
    seq: int
    recorded_at: datetime
    actor: str
    kind: str
    lead_id: str | None
    content: dict[str, Any]
    rule_set: str | None
    rule_version: int | None
    prev_hash: str
    hash: str

    def name(self) -> str:
        return f"record #{self.seq} ({self.kind} by {self.actor} at {timestamp(self.recorded_at)}, id {self.record_id})"


def digest(
    *,
    record_id: str,
    chain: str,
    recorded_at: datetime,
    actor: str,
    kind: str,
    lead_id: str | None,
    content: dict[str, Any],
    rule_set: str | None,
    rule_version: int | None,
    prev_hash: str,
) -> str:
    """The hash (hex) of a record's canonical form; the position number is not hashed, the link is."""
    values = {
        "record_id": record_id,
        "chain": chain,
        "recorded_at": timestamp(recorded_at),
        "actor": actor,
        "kind": kind,
        "lead_id": lead_id,
        "content": content,
        "rule_set": rule_set,
        "rule_version": rule_version,
        "prev_hash": prev_hash,
    }
    document = {name: values[name] for name in HASHED_FIELDS}
    return hashlib.new(HASH_ALGORITHM, canonical_json(document)).hexdigest()


def seal(
    *,
    record_id: str,
    chain: str,
    seq: int,
    recorded_at: datetime,
    actor: str,
    kind: str,
    lead_id: str | None,
    content: dict[str, Any],
    rule_set: str | None,
    rule_version: int | None,
    prev_hash: str,
) -> Entry:
    """A new record chained after ``prev_hash``."""
    fields: dict[str, Any] = {
        "record_id": record_id,
        "chain": chain,
        "recorded_at": recorded_at,
        "actor": actor,
        "kind": kind,
        "lead_id": lead_id,
        "content": content,
        "rule_set": rule_set,
        "rule_version": rule_version,
        "prev_hash": prev_hash,
    }
    return Entry(seq=seq, hash=digest(**fields), **fields)


def rehash(entry: Entry) -> str:
    return digest(
        record_id=entry.record_id,
        chain=entry.chain,
        recorded_at=entry.recorded_at,
        actor=entry.actor,
        kind=entry.kind,
        lead_id=entry.lead_id,
        content=entry.content,
        rule_set=entry.rule_set,
        rule_version=entry.rule_version,
        prev_hash=entry.prev_hash,
    )


class Problem(StrEnum):
    ALTERED = "altered"
    REORDERED = "reordered"
    REMOVED = "removed"
    REWRITTEN = "rewritten"
    """the chain verifies, but not against a signed checkpoint: rewritten with every hash recomputed"""


@dataclass(frozen=True)
class Finding:
    problem: Problem
    seq: int
    record_id: str | None
    detail: str


@dataclass(frozen=True)
class Verification:
    chain: str
    checked: int
    head_hash: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.findings


def verify(chain: str, entries: list[Entry], head: tuple[int, str] | None = None) -> Verification:
    """Check a chain in its stored order (by position number); name every altered, reordered or removed record.

    ``head`` is the last position and hash the store remembers separately, so records removed
    from the end are found too.
    """
    findings: list[Finding] = []
    by_hash = {entry.hash: entry for entry in entries}
    previous: Entry | None = None
    for entry in entries:
        if rehash(entry) != entry.hash or entry.chain != chain:
            findings.append(Finding(Problem.ALTERED, entry.seq, entry.record_id, f"{entry.name()} was altered"))
        expected_prev, expected_seq = (previous.hash, previous.seq + 1) if previous else (GENESIS, 1)
        if entry.prev_hash != expected_prev:
            findings.append(_broken_link(entry, previous, by_hash.get(entry.prev_hash), expected_seq))
        elif entry.seq != expected_seq:
            findings.append(
                Finding(Problem.ALTERED, entry.seq, entry.record_id, f"{entry.name()} had its position changed")
            )
        previous = entry
    if head is not None:
        findings.extend(_check_end(entries, head, by_hash))
    return Verification(chain, len(entries), entries[-1].hash if entries else GENESIS, findings)


def _broken_link(entry: Entry, previous: Entry | None, chained_after: Entry | None, expected_seq: int) -> Finding:
    if chained_after is not None:
        return Finding(
            Problem.REORDERED,
            entry.seq,
            entry.record_id,
            f"{entry.name()} is out of order: it was written after record #{chained_after.seq} "
            f"({chained_after.record_id}) but now follows "
            + (f"record #{previous.seq} ({previous.record_id})" if previous else "the start of the chain"),
        )
    if entry.seq > expected_seq:
        missing = f"#{expected_seq}" if entry.seq == expected_seq + 1 else f"#{expected_seq} to #{entry.seq - 1}"
        return Finding(Problem.REMOVED, expected_seq, None, f"record {missing} before {entry.name()} was removed")
    if previous is None:
        return Finding(Problem.REMOVED, 0, None, f"records before {entry.name()} were removed")
    return Finding(
        Problem.ALTERED,
        previous.seq,
        previous.record_id,
        f"{previous.name()} was altered and re-hashed: the record after it was chained to a different one",
    )


def _check_end(entries: list[Entry], head: tuple[int, str], by_hash: dict[str, Entry]) -> list[Finding]:
    head_seq, head_hash = head
    last = entries[-1] if entries else None
    if last is not None and last.hash == head_hash and last.seq == head_seq:
        return []
    if last is None or head_seq > last.seq:
        first_missing = last.seq + 1 if last else 1
        span = f"#{first_missing}" if head_seq == first_missing else f"#{first_missing} to #{head_seq}"
        return [Finding(Problem.REMOVED, first_missing, None, f"record {span} at the end of the chain was removed")]
    if head_hash in by_hash:
        anchor = by_hash[head_hash]
        if anchor.seq == head_seq:
            return [
                Finding(Problem.ALTERED, e.seq, e.record_id, f"{e.name()} was added after the last record written")
                for e in entries
                if e.seq > head_seq
            ]
        return [
            Finding(Problem.REORDERED, anchor.seq, anchor.record_id, f"{anchor.name()} was the last record written")
        ]
    return [Finding(Problem.ALTERED, last.seq, last.record_id, f"{last.name()} was altered and re-hashed")]


class RecordKind(StrEnum):
    """What a trail record is about."""

    REGISTERED = "registered"
    DECIDED = "decided"
    STAGE_MOVED = "stage_moved"
    ACTIVITY = "activity"
    LOCK_EXTENDED = "lock_extended"
    EXTENSION_REQUESTED = "extension_requested"
    EXTENSION_CLOSED = "extension_closed"
    LOCK_ENDED = "lock_ended"
    LOCK_TRANSFERRED = "lock_transferred"
    DEAL_CLOSED = "deal_closed"
    RULING = "ruling"


@dataclass(frozen=True)
class Anchor:
    """A chain head registration published and signed (evidence.checkpoints), outside its database."""

    seq: int
    hash: str
    at: datetime


def check_anchors(chain: str, entries: list[Entry], anchors: list[Anchor]) -> list[Finding]:
    """Name every signed checkpoint the stored chain no longer matches.

    A rewrite that recomputes every hash passes ``verify``; the checkpoint of a head written before it does
    not match the rewritten record at that position (and, its hash committing to every record before,
    says the rewrite lies at or before that position).
    """
    at_position = {entry.seq: entry for entry in entries}
    findings: list[Finding] = []
    for anchor in sorted({(a.seq, a.hash, a.at) for a in anchors}):
        seq, anchored_hash, at = anchor
        entry = at_position.get(seq)
        signed = f"the checkpoint registration signed at {timestamp(at)} ({chain} #{seq}, {anchored_hash[:12]}…)"
        if entry is None:
            findings.append(Finding(Problem.REMOVED, seq, None, f"record #{seq} is missing; {signed} anchors it"))
        elif entry.hash != anchored_hash:
            findings.append(
                Finding(
                    Problem.REWRITTEN,
                    seq,
                    entry.record_id,
                    f"{entry.name()} has hash {entry.hash[:12]}…, not the one in {signed}: the chain was "
                    f"rewritten at or before #{seq} and its hashes recomputed",
                )
            )
    return findings
