"""What a case file holds: the evidence bundle registration gives out and the verdicts dedup explains.

These are arbitration's reading of the other services' HTTP answers. Unknown fields are ignored, so
a producer adding a field never breaks a case.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class _Read(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class TrailRecord(_Read):
    """One record of a customer's append-only trail, with the links that chain it."""

    record_id: str
    seq: int
    recorded_at: datetime
    actor: str
    kind: str
    lead_id: str | None = None
    content: dict[str, Any] = Field(default_factory=dict)
    rule_set: str | None = None
    rule_version: int | None = None
    prev_hash: str
    hash: str


class TrailLead(_Read):
    lead_id: UUID
    partner_id: str
    channel: str
    status: str
    received_at: datetime
    decided_at: datetime | None = None
    reason_code: str | None = None


class TrailLock(_Read):
    lock_id: UUID
    lead_id: UUID
    partner_id: str
    status: str
    starts_at: datetime
    expires_at: datetime
    rule_set: str | None = None
    rule_version: int | None = None


class TrailFinding(_Read):
    problem: str
    seq: int
    record_id: str | None = None
    detail: str


class TrailVerification(_Read):
    """Registration's own check of the chain; arbitration checks again and trusts neither alone."""

    intact: bool
    checked: int = 0
    head_hash: str = ""
    findings: list[TrailFinding] = Field(default_factory=list)


class EvidenceBundle(_Read):
    """Everything recorded about one customer, in chain order."""

    chain: str
    requested: str = ""
    generated_at: datetime
    digest: str = Field(description="hash of the last record: it commits to the whole chain")
    verification: TrailVerification
    leads: list[TrailLead] = Field(default_factory=list)
    locks: list[TrailLock] = Field(default_factory=list)
    records: list[TrailRecord] = Field(default_factory=list)

    def lead(self, lead_id: UUID | None) -> TrailLead | None:
        return next((lead for lead in self.leads if lead.lead_id == lead_id), None)

    def records_of_lead(self, lead_id: UUID) -> list[TrailRecord]:
        return [record for record in self.records if record.lead_id == str(lead_id)]


class MatchReason(_Read):
    field: str
    score: float
    detail: str


class Verdict(_Read):
    """Dedup's verdict on one lead, with what matched and how strongly."""

    lead_id: UUID
    outcome: str
    customer_key: str | None = None
    matched_customer_key: str | None = None
    reason_code: str = ""
    reason: str = ""
    explanation: list[MatchReason] = Field(default_factory=list)
    rule_set: str | None = None
    rule_version: int | None = None
    decided_at: datetime | None = None


LOCK_RECORD_PREFIXES = ("lock", "extension")


def headline(record: TrailRecord) -> str:
    """One line saying what a trail record shows, in the words its content gives."""
    content = record.content
    if record.kind == "registered":
        customer = content.get("customer") or {}
        name = customer.get("name", "?") if isinstance(customer, dict) else "?"
        return f"registered {name} for {content.get('product_line', '?')} (lead {record.lead_id})"
    if record.kind == "activity":
        return f"{content.get('kind', 'follow-up')}: {content.get('summary', '')}".strip()
    if record.kind == "decided":
        return f"{content.get('outcome', '?')}: {content.get('reason', '')}".strip()
    for key in ("reason", "summary", "outcome"):
        if content.get(key):
            return f"{record.kind.replace('_', ' ')}: {content[key]}"
    return record.kind.replace("_", " ")


def is_lock_record(record: TrailRecord) -> bool:
    return record.kind.startswith(LOCK_RECORD_PREFIXES)
