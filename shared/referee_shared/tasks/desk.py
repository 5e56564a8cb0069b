"""The workflow side of a reviewer task: the task it waits on, the decision the ``decide`` update
delivers, and the deadline waits. Import it inside ``workflow.unsafe.imports_passed_through()``.

A workflow keeps one ``TaskDesk`` and spells its update the same way as every other::

    @workflow.update  # named after the method: "decide" (DECIDE), as every task in the inbox says
    async def decide(self, decision: TaskDecision) -> str:
        self._desk.accept(decision)
        return decision.choice

    @decide.validator
    def _admissible(self, decision: TaskDecision) -> None:
        self._desk.check(decision)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import datetime, timedelta
from uuid import UUID

from temporalio import workflow

from ..events.tasks import TaskDecision
from .decisions import PLAIN, OpenTask, Wording, check_decision
from .ids import step_id


class TaskDesk:
    """Which task is open and what was decided on it; decisions are admitted from ``open`` until ``take``."""

    def __init__(self, subject: str, wording: Wording = PLAIN) -> None:
        self.subject = subject
        self.wording = wording
        self.task: OpenTask | None = None
        self.decision: TaskDecision | None = None

    def open(self, task: OpenTask) -> None:
        """Admit decisions on ``task`` from now: before the step announcing it runs, since a reviewer may act
        the moment the inbox hears of it."""
        self.task, self.decision = task, None

    def check(self, decision: TaskDecision) -> None:
        """The ``decide`` validator: DecisionRefused unless the open task admits ``decision``."""
        check_decision(
            self.task, decision, decided=self.decision is not None, subject=self.subject, wording=self.wording
        )

    def accept(self, decision: TaskDecision) -> None:
        self.decision = decision

    @property
    def decided(self) -> bool:
        return self.decision is not None

    @property
    def open_task_id(self) -> str | None:
        """The task awaiting a decision, or None once decided or closed."""
        return self.task.task_id if self.task is not None and self.decision is None else None

    def take(self) -> tuple[OpenTask | None, TaskDecision | None]:
        """Close the desk: the task and its decision (None if nobody decided); later decisions are refused."""
        taken = self.task, self.decision
        self.task, self.decision = None, None
        return taken

    async def wait(self, until: datetime, *, or_: Callable[[], bool] | None = None) -> bool:
        """Wait for a decision (or ``or_``) until ``until``; True if it came first."""
        return await wait_until(lambda: self.decided or (or_ is not None and or_()), until)


async def wait_until(condition: Callable[[], bool], moment: datetime) -> bool:
    """Wait for ``condition`` until ``moment`` in workflow time; whether it holds then. The one deadline wait."""
    remaining = moment - workflow.now()
    if remaining > timedelta(0):
        with suppress(TimeoutError):
            await workflow.wait_condition(condition, timeout=remaining)
    return condition()


async def remind_before(
    condition: Callable[[], bool], due: datetime, remind_at: datetime, remind: Callable[[], Awaitable[None]]
) -> bool:
    """Wait for ``condition`` until ``due``, running ``remind`` at ``remind_at`` if it is still ahead and the
    condition still false then; whether it holds at ``due``."""
    if remind_at > workflow.now():
        if await wait_until(condition, remind_at):
            return True
        await remind()
    return await wait_until(condition, due)


def workflow_step_id(*name: object) -> UUID:
    """A stable id for one step of this workflow run, the same however often its activity is retried.
    Named steps are keyed by name; an unnamed step gets the run's next deterministic uuid."""
    if not name:
        return workflow.uuid4()
    info = workflow.info()
    return step_id(info.workflow_id, info.run_id, *name)
