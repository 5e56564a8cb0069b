"""Inputs of qualification's workflows and activities (pydantic, via the data converter)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from referee_shared.events.tasks import TaskDecision

REVIEW_WORKFLOW_KIND = "qualification-review"
VALIDITY_WORKFLOW_KIND = "qualification-validity"
APPROVE = "approve"
REJECT = "reject"


class ReviewTask(BaseModel):
    """A reviewer task as the workflow knows it: which one is current decides what the update accepts."""

    task_id: str
    level: int
    role: str
    due_at: datetime
    choices: list[str] = [APPROVE, REJECT]


class ValidityInput(BaseModel):
    submission_id: UUID
    warns_at: datetime
    lapses_at: datetime


class ReviewInput(BaseModel):
    submission_id: UUID
    first: ReviewTask
    escalation_role: str
    escalation_hours: int
    validity: ValidityInput
    validity_workflow_id: str


class Step(BaseModel):
    """What every activity gets: which qualification, when (workflow time), and a key that makes a retry harmless."""

    step: str
    submission_id: UUID
    at: datetime


class TaskStep(Step):
    workflow_id: str
    task: ReviewTask


class Escalation(Step):
    workflow_id: str
    closing: ReviewTask
    opening: ReviewTask


class Reminder(Step):
    task: ReviewTask
    overdue_since: datetime


class ReviewDecided(Step):
    task: ReviewTask
    decision: TaskDecision
    validity: ValidityInput
    validity_workflow_id: str


def task_id(submission_id: UUID, level: int) -> str:
    return f"qualification-{submission_id}-L{level}"
