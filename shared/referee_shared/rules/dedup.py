"""Matching thresholds and how large accounts are sliced."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class SliceBy(StrEnum):
    NONE = "none"
    DEPARTMENT = "department"
    DISEASE_AREA = "disease_area"
    PROJECT = "project"


class DedupRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    duplicate_threshold: float = Field(default=0.92, ge=0, le=1, description="score at or above: duplicate")
    possible_threshold: float = Field(default=0.75, ge=0, le=1, description="score at or above: possible duplicate")
    related_is_conflict: bool = Field(
        default=True,
        description="a branch (分公司) of an organisation another partner protects is a conflict: verdict related",
    )
    slice_by: SliceBy = Field(default=SliceBy.NONE, description="how large accounts are split between agents")
    review_deadline_hours: int = Field(default=48, ge=1, description="reviewer's deadline on a possible duplicate")
    escalation_deadline_hours: int = Field(default=24, ge=1, description="HQ's deadline once the review escalates")

    @model_validator(mode="after")
    def _possible_below_duplicate(self) -> DedupRules:
        if self.possible_threshold > self.duplicate_threshold:
            raise ValueError("possible_threshold must not exceed duplicate_threshold")
        return self
