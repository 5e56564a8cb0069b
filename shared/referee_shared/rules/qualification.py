"""Which product lines need which qualification, and the review and expiry deadlines."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class QualificationRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    required: dict[str, str] = Field(
        default_factory=dict, description="product line -> name of the qualification a partner must hold"
    )
    review_deadline_hours: int = Field(default=72, ge=1)
    escalation_deadline_hours: int = Field(default=48, ge=1, description="second level (HQ compliance)")
    expiry_warning_days: int = Field(default=30, ge=0)
