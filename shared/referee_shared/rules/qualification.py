"""Which product lines need which qualification, and the review and expiry deadlines."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator


class QualificationRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    required: dict[str, str] = Field(
        default_factory=dict, description="product line -> name of the qualification a partner must hold"
    )
    review_deadline_hours: int = Field(default=72, ge=1)
    escalation_deadline_hours: int = Field(default=48, ge=1, description="second level (HQ compliance)")
    expiry_warning_days: int = Field(default=30, ge=0)
    review_role: str = Field(default="reviewer", description="who decides a first-level review")
    escalation_role: str = Field(default="admin", description="who decides once escalated (HQ compliance)")
    validity_timezone: str = Field(
        default="Asia/Shanghai",
        description="where certificate dates are read: a certificate valid to D lapses at midnight after D here",
    )

    @field_validator("validity_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value
