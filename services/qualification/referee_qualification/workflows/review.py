"""The review of one submitted certificate: a reviewer task with a deadline, escalation to HQ compliance when
the deadline passes (reminding again each period HQ lets pass), then the decision recorded; an approval
starts the certificate's validity workflow."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from referee_shared.events.tasks import TaskDecision

    from .activities import ReviewActivities
    from .models import Escalation, Reminder, ReviewDecided, ReviewInput, ReviewTask, TaskStep, step_key, task_id

_STEP_TIMEOUT = timedelta(seconds=30)
ADMIN = "admin"


@workflow.defn(name="QualificationReview")
class QualificationReviewWorkflow:
    def __init__(self) -> None:
        self._review: ReviewInput | None = None
        self._task: ReviewTask | None = None
        self._decision: TaskDecision | None = None
        self._outcome: str | None = None

    @workflow.run
    async def run(self, review: ReviewInput) -> str:
        self._review, self._task = review, review.first
        workflow_id = workflow.info().workflow_id
        opening = TaskStep(**self._stamp("open-L1"), workflow_id=workflow_id, task=self._task)
        await workflow.execute_activity_method(
            ReviewActivities.open_task, opening, start_to_close_timeout=_STEP_TIMEOUT
        )
        if not await self._decided_by(self._task.due_at):
            await self._escalate(review, workflow_id)
        assert self._decision is not None
        decided = ReviewDecided(
            **self._stamp("decide"),
            task=self._task,
            decision=self._decision,
            validity=review.validity,
            validity_workflow_id=review.validity_workflow_id,
        )
        self._outcome = await workflow.execute_activity_method(
            ReviewActivities.decide, decided, start_to_close_timeout=_STEP_TIMEOUT
        )
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._outcome

    async def _escalate(self, review: ReviewInput, workflow_id: str) -> None:
        """Hand the review to HQ compliance, then remind every period until a decision comes."""
        assert self._task is not None
        period = timedelta(hours=review.escalation_hours)
        # The task changes before the activity runs, so a late first-level decision is refused from now on.
        closing, self._task = (
            self._task,
            ReviewTask(
                task_id=task_id(review.submission_id, 2),
                level=2,
                role=review.escalation_role,
                due_at=workflow.now() + period,
            ),
        )
        escalation = Escalation(**self._stamp("escalate"), workflow_id=workflow_id, closing=closing, opening=self._task)
        await workflow.execute_activity_method(
            ReviewActivities.escalate, escalation, start_to_close_timeout=_STEP_TIMEOUT
        )
        reminders = 0
        while not await self._decided_by(self._task.due_at + period * reminders):
            reminders += 1
            reminder = Reminder(**self._stamp(f"remind-{reminders}"), task=self._task, overdue_since=self._task.due_at)
            await workflow.execute_activity_method(
                ReviewActivities.remind, reminder, start_to_close_timeout=_STEP_TIMEOUT
            )

    @workflow.update  # named after the method: "decide", the inbox convention
    async def decide(self, decision: TaskDecision) -> str:
        """A reviewer's choice from the inbox; returns the qualification's status once it is recorded."""
        self._decision = decision
        await workflow.wait_condition(lambda: self._outcome is not None)
        return self._outcome or ""

    @decide.validator
    def _validate_decision(self, decision: TaskDecision) -> None:
        task = self._task
        if task is None or self._decision is not None:
            raise ValueError("this review is already decided")
        if decision.task_id != task.task_id:
            raise ValueError(f"task {decision.task_id} is not open on this review; the open task is {task.task_id}")
        if decision.choice not in task.choices:
            raise ValueError(f"choice {decision.choice!r} is not offered; choose one of {', '.join(task.choices)}")
        if decision.role not in (task.role, ADMIN):
            raise ValueError(f"role {decision.role!r} may not decide a level-{task.level} review; needs {task.role}")

    @workflow.query(name="open_task")
    def open_task(self) -> str:
        """The id of the task awaiting a decision, or empty once decided."""
        return self._task.task_id if self._task is not None and self._decision is None else ""

    async def _decided_by(self, deadline: datetime) -> bool:
        """Wait for a decision until ``deadline``; True if one came."""
        remaining = deadline - workflow.now()
        if remaining > timedelta(0) and self._decision is None:
            with suppress(TimeoutError):
                await workflow.wait_condition(lambda: self._decision is not None, timeout=remaining)
        return self._decision is not None

    def _stamp(self, name: str) -> dict[str, Any]:
        """The fields every step carries: its idempotency key, the qualification, and workflow time."""
        assert self._review is not None
        info = workflow.info()
        return {
            "step": step_key(info.workflow_id, info.run_id, name),
            "submission_id": self._review.submission_id,
            "at": workflow.now(),
        }
