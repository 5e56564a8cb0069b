"""The task a workflow waits on and the rules a reviewer's decision must pass before it is admitted.

Plain Python: a workflow's update validator calls ``check_decision``; a refusal travels back to the
inbox, which shows its text to the reviewer, so each flow may word it for its own readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ..events.tasks import TaskDecision

DECIDE = "decide"
"""The name of the update that delivers a decision, the same on every workflow that opens tasks."""
ADMIN = "admin"
"""The role that may decide any task."""


class DecisionRefused(ValueError):
    """A decision the open task does not admit; the message says why, for the reviewer."""


@dataclass(frozen=True)
class Wording:
    """How refusals read. Fields available to every template: task_id, open_task_id, subject, choice,
    choices, role, needed, level, decided_by, min_chars."""

    not_open: str = "task {task_id} is not open on this {subject}"
    decided: str = "task {task_id} is already decided"
    choice: str = "choice {choice!r} is not offered; choose one of {choices}"
    role: str = "role {role!r} may not decide this task; it needs {needed}"
    excluded: str = "{decided_by} may not decide this task"
    reason: str = "a decision needs a written reason of at least {min_chars} characters"


PLAIN = Wording()


@dataclass(frozen=True)
class OpenTask:
    """A task awaiting a decision, as its workflow knows it.

    ``roles`` may decide; the first is the one the inbox shows. ``excluded_decider`` is someone who
    may not (the author of a ruling under appeal). ``min_reason_chars`` counts the stripped reason.
    """

    task_id: str
    choices: Sequence[str]
    roles: Sequence[str]
    level: int = 1
    due_at: datetime | None = None
    excluded_decider: str | None = None
    min_reason_chars: int = 0


def check_decision(
    task: OpenTask | None,
    decision: TaskDecision,
    *,
    decided: bool = False,
    subject: str = "workflow",
    wording: Wording = PLAIN,
) -> None:
    """Refuse (``DecisionRefused``) a decision on a task not open on this ``subject``, already decided, with a
    choice not offered, by a role not allowed or an excluded decider, or with too short a reason."""

    def refuse(template: str) -> DecisionRefused:
        return DecisionRefused(_say(template, task, decision, subject))

    if task is None or decision.task_id != task.task_id:
        raise refuse(wording.not_open)
    if decided:
        raise refuse(wording.decided)
    if decision.choice not in task.choices:
        raise refuse(wording.choice)
    if decision.role not in task.roles:
        raise refuse(wording.role)
    if task.excluded_decider is not None and decision.decided_by == task.excluded_decider:
        raise refuse(wording.excluded)
    if len(decision.reason.strip()) < task.min_reason_chars:
        raise refuse(wording.reason)


def _say(template: str, task: OpenTask | None, decision: TaskDecision, subject: str) -> str:
    return template.format(
        task_id=decision.task_id,
        open_task_id=task.task_id if task else "none",
        subject=subject,
        choice=decision.choice,
        choices=", ".join(task.choices) if task else "",
        role=decision.role,
        needed=task.roles[0] if task and task.roles else "",
        level=task.level if task else 0,
        decided_by=decision.decided_by,
        min_chars=task.min_reason_chars if task else 0,
    )
