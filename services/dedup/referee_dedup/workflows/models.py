"""Inputs of dedup's review workflow and its activities (pydantic, via the data converter)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel

REVIEW_WORKFLOW_KIND = "duplicate-review"


class ReviewInput(BaseModel):
    task_id: str
    lead_id: UUID
    kind: str  # possible_duplicate or cross_region
    title: str
    choices: list[str]
    default_choice: str  # applied when HQ lets the escalated task expire too
    details: dict[str, Any]
    region: str | None
    subject_party_ids: list[str]
    deadline_hours: int
    escalation_hours: int


class ReviewDecision(BaseModel):
    task_id: str
    choice: str
    decided_by: str
    reason: str


CLASH_CHOICES = ("noted", "warn")
"""A reviewer's answer to a clashing visit: noted (a legitimate visit), or warn the partners."""


class ClashReviewInput(BaseModel):
    """A visit that happened although another partner visits the same contact within the rule's window."""

    task_id: str
    title: str
    details: dict[str, Any]
    region: str | None
    subject_party_ids: list[str]
    deadline_hours: int
