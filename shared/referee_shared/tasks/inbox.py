"""The activity side of a reviewer task: what open, remind and close publish on ``tasks.events``.

Every flow's activities call these inside their own transaction, after their idempotency guard
(``tx.first_time`` with a ``step_id``), so the outbox publishes each event once per step.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..events.task_details import checked_details
from ..events.tasks import TaskClosed, TaskKind, TaskOpened, TaskReminded
from ..outbox import Transaction
from ..topics import TASKS_EVENTS
from .decisions import DECIDE


def task_opened(
    *,
    task_id: str,
    kind: TaskKind,
    title: str,
    role: str,
    workflow_id: str,
    choices: Sequence[str],
    details: dict[str, Any],
    opened_at: datetime,
    due_at: datetime | None,
    level: int = 1,
    region: str | None = None,
    subject_party_ids: Sequence[str] = (),
) -> TaskOpened:
    """The inbox entry of a task; deciding it executes the ``decide`` update on ``workflow_id``."""
    return TaskOpened(
        task_id=task_id,
        kind=kind,
        title=title,
        role=role,
        level=level,
        workflow_id=workflow_id,
        update_name=DECIDE,
        choices=list(choices),
        details=checked_details(kind, details),
        due_at=due_at,
        region=region,
        subject_party_ids=list(subject_party_ids),
        opened_at=opened_at,
    )


def task_closed(task_id: str, outcome: str, *, decided_by: str | None, reason: str, at: datetime) -> TaskClosed:
    """The task leaves the open inbox: ``outcome`` is the choice made, or escalated, expired, withdrawn."""
    return TaskClosed(task_id=task_id, outcome=outcome, decided_by=decided_by, reason=reason, closed_at=at)


def task_reminded(task_id: str, *, due_at: datetime, overdue: bool, at: datetime) -> TaskReminded:
    """Whoever may act hears that the task nears (or, ``overdue``, passed) its deadline; it stays open."""
    return TaskReminded(task_id=task_id, due_at=due_at, overdue=overdue, reminded_at=at)


async def publish(
    tx: Transaction, event: TaskOpened | TaskClosed | TaskReminded, *, correlation_id: str | None = None
) -> None:
    """Queue a task event on ``tasks.events``, keyed by its task id, to publish when ``tx`` commits."""
    await tx.emit(TASKS_EVENTS, event.task_id, event, correlation_id=correlation_id)
