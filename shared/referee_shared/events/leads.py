"""Payloads of the lead topics: leads.submitted, leads.activities, leads.decisions, leads.locks."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from pydantic import Field

from ..reasons import LEAD_DECISION, LEAD_STATUSES, enumerated, statuses
from ..timebounds import BoundedDate, BoundedDatetime
from .common import (
    Attachment,
    Channel,
    CurrencyCode,
    CustomerIdentity,
    GeoPoint,
    Money,
    PartyId,
    ProductLine,
    Strict,
)
from .envelope import Payload


class LeadSubmitted(Payload):
    """A partner registers a customer opportunity (报备)."""

    event_type = "lead.submitted"

    lead_id: UUID = Field(description="chosen by the portal; submitting the same id twice is one registration")
    partner_id: PartyId
    channel: Channel
    customer: CustomerIdentity
    product_line: ProductLine
    estimated_amount: Money = Field(ge=0)
    currency: CurrencyCode = "CNY"
    expected_close: BoundedDate | None = None
    notes: str = Field(default="", max_length=2000)
    partner_claimed_at: BoundedDatetime | None = Field(
        default=None, description="the partner's own clock; recorded, never used to decide order"
    )


class ActivityKind(StrEnum):
    VISIT = "visit"
    CALL = "call"
    MEETING = "meeting"
    QUOTE = "quote"
    CHECK_IN = "check_in"


class LeadActivity(Payload):
    """A follow-up on a lead: a visit, call, meeting, quote or on-site check-in."""

    event_type = "lead.activity"

    activity_id: UUID
    lead_id: UUID
    partner_id: PartyId
    kind: ActivityKind
    summary: str = Field(min_length=1, max_length=4000)
    contact: str | None = Field(default=None, max_length=100)
    location: GeoPoint | None = None
    attachments: list[Attachment] = Field(default_factory=list, max_length=50)
    partner_claimed_at: BoundedDatetime | None = None


class DecisionOutcome(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    HELD = "held"


class LockSummary(Strict):
    lock_id: UUID
    expires_at: BoundedDatetime


class LeadDecision(Payload):
    """The referee's answer to a registration: accepted with a lock, rejected with the rule, or held."""

    event_type = "lead.decision"

    lead_id: UUID
    partner_id: PartyId
    outcome: DecisionOutcome
    reason_code: str = Field(json_schema_extra=enumerated(LEAD_DECISION, "machine-readable why"))
    reason: str = Field(description="human-readable explanation for the partner")
    rule_set: str
    rule_version: int
    decided_at: BoundedDatetime
    lock: LockSummary | None = None
    protected_until: BoundedDatetime | None = Field(
        default=None, description="for a duplicate: until when the customer is protected (never by whom)"
    )


class LockChange(StrEnum):
    GRANTED = "granted"
    REMINDER = "reminder"
    EXTENDED = "extended"
    EXPIRED = "expired"
    RELEASED = "released"
    TRANSFERRED = "transferred"
    COMPLETED = "completed"


class LockChanged(Payload):
    """Something happened to the protection of a customer for a partner."""

    event_type = "lead.lock"

    lock_id: UUID
    lead_id: UUID
    partner_id: PartyId
    customer_key: str = Field(description="dedup's identity of the protected customer (or slice)")
    change: LockChange
    expires_at: BoundedDatetime
    at: BoundedDatetime
    reason: str = ""
    previous_partner_id: PartyId | None = None
    previous_lead_id: UUID | None = Field(
        default=None, description="for a transfer: the lead that held the lock before; lead_id is the new holder's"
    )
    rule_set: str
    rule_version: int


class LeadTransitioned(Payload):
    """A lead moved from one lifecycle status to another; the funnel is counted from these."""

    event_type = "lead.transitioned"

    lead_id: UUID
    partner_id: PartyId
    from_status: str | None = Field(
        json_schema_extra=statuses(
            (*LEAD_STATUSES, None), "None when the lead comes into being (submitted, or transferred in)"
        )
    )
    to_status: str = Field(json_schema_extra=statuses(LEAD_STATUSES, "the lead's status after the move"))
    at: BoundedDatetime = Field(description="system time of the move")
    actor: str = Field(description="who moved it: a partner id, a reviewer or arbiter, or a service")
    reason: str = ""
    channel: Channel
    product_line: ProductLine
    region: str | None = None
    customer_key: str | None = None
    rule_set: str
    rule_version: int
