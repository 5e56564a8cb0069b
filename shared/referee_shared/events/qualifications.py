"""Payload of qualifications.submitted: a partner's certificate for a product line, to be reviewed."""

from __future__ import annotations

from datetime import date
from typing import Self
from uuid import UUID

from pydantic import Field, model_validator

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
    valid_from: date
    valid_to: date
    scope: QualificationScope = Field(default_factory=QualificationScope)
    document: Attachment = Field(description="the scanned certificate, by digest")

    @model_validator(mode="after")
    def _validity_ends_after_it_starts(self) -> Self:
        if self.valid_to < self.valid_from:
            raise ValueError(f"valid_to {self.valid_to} is before valid_from {self.valid_from}")
        return self
