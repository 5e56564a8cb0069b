"""Payloads of qualifications.submitted (a partner's certificate to review) and qualifications.decisions
(what became of it: reviewed, escalated, expiring, lapsed, revoked)."""

from __future__ import annotations

from enum import StrEnum
from typing import Self
from uuid import UUID

from pydantic import Field, model_validator

from ..reasons import QUALIFICATION_STATUSES, statuses
from ..timebounds import BoundedDate, BoundedDatetime
from .common import Attachment, PartyId, ProductLine, Strict
from .envelope import Payload


class QualificationScope(Strict):
    regions: list[str] = Field(default_factory=list, description="administrative divisions; empty = anywhere")
    product_categories: list[str] = Field(default_factory=list)


class QualificationSubmitted(Payload):
    event_type = "qualification.submitted"

    submission_id: UUID
    partner_id: PartyId
    product_line: ProductLine
    certificate_number: str = Field(min_length=1, max_length=80)
    issuer: str = Field(min_length=1, max_length=200)
    valid_from: BoundedDate
    valid_to: BoundedDate
    scope: QualificationScope = Field(default_factory=QualificationScope)
    document: Attachment = Field(description="the scanned certificate, by digest")

    @model_validator(mode="after")
    def _validity_ends_after_it_starts(self) -> Self:
        if self.valid_to < self.valid_from:
            raise ValueError(f"valid_to {self.valid_to} is before valid_from {self.valid_from}")
        return self


class QualificationChange(StrEnum):
    RECEIVED = "received"
    DUPLICATE = "duplicate"
    ESCALATED = "escalated"
    REMINDER = "reminder"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    REVOKED = "revoked"


class QualificationChanged(Payload):
    """Something happened to a submitted qualification; partners follow their certificates by these."""

    event_type = "qualification.changed"

    submission_id: UUID
    partner_id: PartyId
    product_line: ProductLine
    qualification: str = Field(description="name of the qualification the rule set asks for")
    certificate_number: str
    change: QualificationChange
    status: str = Field(
        json_schema_extra=statuses(QUALIFICATION_STATUSES, "the qualification's status after the change")
    )
    valid_from: BoundedDate
    valid_to: BoundedDate
    at: BoundedDatetime
    reason: str = ""
    decided_by: str | None = Field(default=None, description="who approved, rejected or revoked")
    level: int | None = Field(default=None, ge=1, description="review level: 1, or 2 for HQ compliance")
    due_at: BoundedDatetime | None = Field(default=None, description="when the review at this level is due")
    duplicate_submission_id: UUID | None = Field(
        default=None, description="for a duplicate: the later submission that started no second review"
    )
    renewed_by: UUID | None = Field(
        default=None, description="on expiry warnings and lapses: the approved renewal that continues it"
    )
    rule_set: str
    rule_version: int
