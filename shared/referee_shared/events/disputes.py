"""Payloads of disputes.opened and disputes.rulings."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from pydantic import Field

from ..reasons import DISPUTE_PROGRESS, codes_on, enumerated
from ..timebounds import BoundedDatetime
from .common import Attachment, Channel, PartyId, Ratio, Strict
from .envelope import Payload


class OpenedBy(StrEnum):
    PARTNER = "partner"
    HQ = "hq"


class DisputeOpened(Payload):
    event_type = "dispute.opened"

    dispute_id: UUID
    opened_by: OpenedBy
    claimant_id: PartyId
    respondent_ids: list[PartyId] = Field(min_length=1, max_length=10)
    lead_id: UUID | None = Field(default=None, description="the contested lead, if the claim names one")
    customer_key: str | None = Field(default=None, description="dedup's customer identity, if no lead is named")
    claim: str = Field(min_length=1, max_length=8000)
    attachments: list[Attachment] = Field(default_factory=list, max_length=50)


class RulingOutcome(StrEnum):
    UPHELD = "upheld"
    TRANSFERRED = "transferred"
    SHARED = "shared"
    DISMISSED = "dismissed"


class CreditShare(Strict):
    party_id: PartyId
    ratio: Ratio
    channel: Channel | None = Field(default=None, description="settlement needs it for a party not on the deal")


class DisputeRuling(Payload):
    event_type = "dispute.ruling"

    dispute_id: UUID
    outcome: RulingOutcome
    reason: str = Field(min_length=1, max_length=8000)
    decided_by: PartyId
    level: int = Field(ge=1, le=2, description="1: regional reviewer, 2: HQ arbiter")
    lead_id: UUID | None = None
    new_holder_id: PartyId | None = None
    new_holder_channel: Channel | None = Field(default=None, description="settlement needs it if not on the deal")
    shares: list[CreditShare] = Field(default_factory=list)
    rule_set: str
    rule_version: int
    evidence_digest: str = Field(description="hash of the evidence bundle the ruling relied on")
    decided_at: BoundedDatetime


class DisputeStep(StrEnum):
    """The steps of a dispute that everyone concerned hears about on disputes.events."""

    REFUSED = "refused"
    OPENED = "opened"
    EVIDENCE_FLAGGED = "evidence_flagged"
    STATEMENT_ADDED = "statement_added"
    REMINDER = "reminder"
    ESCALATED = "escalated"
    OVERDUE = "overdue"
    RULED = "ruled"
    APPEALED = "appealed"
    APPEAL_WINDOW_CLOSED = "appeal_window_closed"


class DisputeProgressed(Payload):
    """One step of a dispute, addressed to its parties; the final outcome is also on disputes.rulings."""

    event_type = "dispute.progressed"

    dispute_id: UUID
    step: DisputeStep
    at: BoundedDatetime = Field(description="system (workflow) time of the step")
    parties: list[PartyId] = Field(description="everyone the step concerns: the claimant first, then the respondents")
    actor: str = Field(description="who took the step: a party, a reviewer or arbiter, or arbitration itself")
    summary: str = Field(description="the step in one sentence a person can read")
    level: int | None = Field(default=None, ge=1, le=2, description="1: regional reviewer, 2: HQ arbiter")
    due_at: BoundedDatetime | None = Field(
        default=None, description="the deadline the step sets or recalls: a review, the statements or an appeal"
    )
    outcome: RulingOutcome | None = Field(default=None, description="for a ruling")
    final: bool = Field(default=False, description="for a ruling: no appeal remains, it takes effect now")
    reason_code: str | None = Field(
        default=None,
        json_schema_extra={
            **enumerated(DISPUTE_PROGRESS, "machine-readable why of a refusal, an evidence flag or an escalation"),
            "enum": [*codes_on(DISPUTE_PROGRESS), None],
        },
    )
    audience: list[PartyId] | None = Field(
        default=None,
        description=(
            "the parties this copy may be shown to; none: every party. A partner's dispute has two copies of each"
            " step: the claimant's, which says 'respondent' instead of who holds the customer, and everyone else's"
        ),
    )
