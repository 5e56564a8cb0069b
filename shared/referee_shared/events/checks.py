"""Internal payloads: registration asks qualification and dedup, and hears their verdicts."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from pydantic import Field

from ..reasons import DEDUP_VERDICT, QUALIFICATION_VERDICT, enumerated
from ..timebounds import BoundedDatetime
from .common import Channel, CustomerIdentity, PartyId, ProductLine, Strict
from .envelope import Payload


class QualificationCheckRequested(Payload):
    event_type = "qualification.check-requested"

    lead_id: UUID
    partner_id: PartyId
    product_line: ProductLine
    region: str | None = None
    received_at: BoundedDatetime


class QualificationVerdict(Payload):
    event_type = "qualification.verdict"

    lead_id: UUID
    partner_id: PartyId
    product_line: ProductLine
    qualified: bool
    reason_code: str = Field(json_schema_extra=enumerated(QUALIFICATION_VERDICT, "machine-readable why"))
    reason: str
    required: list[str] = Field(default_factory=list, description="qualifications the rule asks for")
    rule_set: str
    rule_version: int


class DedupRequested(Payload):
    """A claim on a customer: dedup decides, in log order per region, whether it is the first."""

    event_type = "dedup.requested"

    lead_id: UUID
    partner_id: PartyId
    channel: Channel
    customer: CustomerIdentity
    product_line: ProductLine
    estimated_amount: Decimal
    received_at: BoundedDatetime
    rule_set: str
    rule_version: int


class DedupOutcome(StrEnum):
    UNIQUE = "unique"
    DUPLICATE = "duplicate"
    POSSIBLE = "possible"
    RELATED = "related"  # a branch of an organisation another partner protects, where the rule set makes it a conflict
    REFUSED = "refused"


class MatchReason(Strict):
    """One piece of a verdict's explanation: which field matched and how strongly."""

    field: str
    score: float = Field(ge=0, le=1)
    detail: str


class DedupVerdict(Payload):
    event_type = "dedup.verdict"

    lead_id: UUID
    outcome: DedupOutcome
    customer_key: str = Field(description="identity of the customer (or slice) this lead claims")
    matched_customer_key: str | None = None
    protected_until: BoundedDatetime | None = None
    reason_code: str = Field(json_schema_extra=enumerated(DEDUP_VERDICT, "machine-readable why"))
    reason: str
    explanation: list[MatchReason] = Field(default_factory=list)
    rule_set: str
    rule_version: int
    tier: str | None = Field(default=None, description="the tier of the opportunity under the rule set's tiers")
    review_task_id: str | None = Field(
        default=None, description="possible: the reviewer task opened; a later verdict: the task that decided it"
    )
