"""Internal payloads of the shared reviewer inbox.

Any workflow that needs a human opens a task (published on tasks.events); the registration
service keeps the inbox, and completing a task sends the decision to the workflow that owns it
as the Temporal update named in the task.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field

from ..timebounds import BoundedDatetime
from .common import PartyId
from .envelope import Payload


class TaskKind(StrEnum):
    LOCK_EXTENSION = "lock_extension"
    DUPLICATE_REVIEW = "duplicate_review"
    QUALIFICATION_REVIEW = "qualification_review"
    DISPUTE_REVIEW = "dispute_review"
    SETTLEMENT_APPROVAL = "settlement_approval"
    VISIT_CLASH = "visit_clash"


TASK_ID_FORMATS: dict[TaskKind, str] = {
    TaskKind.LOCK_EXTENSION: "ext-<lock_id>-<n-th extension asked>",
    TaskKind.DUPLICATE_REVIEW: "dup-<lead_id>",
    TaskKind.QUALIFICATION_REVIEW: "qualification-<submission_id>-L<level>",
    TaskKind.DISPUTE_REVIEW: "dispute-<dispute_id>-<n-th review>",
    TaskKind.SETTLEMENT_APPROVAL: "settlement-<deal_id>-r<revision>-l<level>",
    TaskKind.VISIT_CLASH: "clash-<visit_id>",
}
"""How each kind's task id is made: a business key, so the same step never opens two tasks."""


def _details_by_kind(schema: dict[str, Any]) -> None:
    from .task_details import details_by_kind_schema  # the details models name TaskKind, defined here

    schema.update(details_by_kind_schema())


class TaskOpened(Payload):
    # The shape of ``details`` depends on ``kind``: the schema says which, per kind.
    model_config = ConfigDict(json_schema_extra=_details_by_kind)

    event_type = "task.opened"

    task_id: str = Field(min_length=1, max_length=120, description="stable business key, e.g. ext-<lock>-1")
    kind: TaskKind
    title: str
    role: str = Field(description="who may act: reviewer, arbiter, finance, admin")
    level: int = Field(default=1, ge=1, description="escalation level; 2 = HQ")
    workflow_id: str
    update_name: str = Field(description="Temporal update that receives the TaskDecision")
    choices: list[str] = Field(min_length=1)
    details: dict[str, Any] = Field(default_factory=dict, description="per kind, as the allOf below says")
    due_at: BoundedDatetime | None = None
    region: str | None = None
    subject_party_ids: list[PartyId] = Field(default_factory=list)
    opened_at: BoundedDatetime


class TaskClosed(Payload):
    event_type = "task.closed"

    task_id: str
    outcome: str = Field(description="the choice made, or 'escalated', 'expired', 'withdrawn'")
    decided_by: str | None = None
    reason: str = ""
    closed_at: BoundedDatetime


class TaskReminded(Payload):
    """An open task nears (or passed) its deadline; the inbox tells whoever may act on it."""

    event_type = "task.reminder"

    task_id: str
    due_at: BoundedDatetime
    overdue: bool = False
    reminded_at: BoundedDatetime


class TaskDecision(Payload):
    """What a reviewer decided on a task; the argument of the owning workflow's update."""

    event_type = "task.decision"

    task_id: str
    choice: str
    reason: str = Field(min_length=1, max_length=4000)
    decided_by: str
    role: str
    details: dict[str, Any] = Field(default_factory=dict)
