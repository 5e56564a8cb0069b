"""The review of one submitted certificate: a reviewer task with a deadline, escalation to HQ compliance when
the deadline passes (reminding again each period HQ lets pass), then the decision recorded; an approval
starts the certificate's validity workflow."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from referee_shared.events.tasks import TaskDecision
    from referee_shared.tasks import ADMIN, OpenTask, Wording
    from referee_shared.tasks.desk import TaskDesk, workflow_step_id

    from .activities import ReviewActivities
    from .models import Escalation, Reminder, ReviewDecided, ReviewInput, ReviewTask, TaskStep, task_id

_STEP_TIMEOUT = timedelta(seconds=30)
WORDING = Wording(
    not_open="task {task_id} is not open on this review; the open task is {open_task_id}",
    decided="this review is already decided",
    role="role {role!r} may not decide a level-{level} review; needs {needed}",
)


@workflow.defn(name="QualificationReview")
class QualificationReviewWorkflow:
    def __init__(self) -> None:
        self._review: ReviewInput | None = None
        self._task: ReviewTask | None = None
        self._desk = TaskDesk("review", WORDING)
        self._outcome: str | None = None

    @workflow.run
    async def run(self, review: ReviewInput) -> str:
        self._review = review
        self._open(review.first)
        workflow_id = workflow.info().workflow_id
        opening = TaskStep(**self._stamp("open-L1"), workflow_id=workflow_id, task=review.first)
        await workflow.execute_activity_method(
            ReviewActivities.open_task, opening, start_to_close_timeout=_STEP_TIMEOUT
        )
        if not await self._desk.wait(review.first.due_at):
            await self._escalate(review, workflow_id)
        task, decision = self._task, self._desk.decision
        assert task is not None
        assert decision is not None
        decided = ReviewDecided(
            **self._stamp("decide"),
            task=task,
            decision=decision,
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
        closing = self._task
        opening = self._open(
            ReviewTask(
                task_id=task_id(review.submission_id, 2),
                level=2,
                role=review.escalation_role,
                due_at=workflow.now() + period,
            )
        )
        escalation = Escalation(**self._stamp("escalate"), workflow_id=workflow_id, closing=closing, opening=opening)
        await workflow.execute_activity_method(
            ReviewActivities.escalate, escalation, start_to_close_timeout=_STEP_TIMEOUT
        )
        reminders = 0
        while not await self._desk.wait(opening.due_at + period * reminders):
            reminders += 1
            reminder = Reminder(**self._stamp(f"remind-{reminders}"), task=opening, overdue_since=opening.due_at)
            await workflow.execute_activity_method(
                ReviewActivities.remind, reminder, start_to_close_timeout=_STEP_TIMEOUT
            )

    def _open(self, task: ReviewTask) -> ReviewTask:
        self._task = task
        self._desk.open(OpenTask(task.task_id, task.choices, (task.role, ADMIN), level=task.level, due_at=task.due_at))
        return task

    @workflow.update  # named "decide" (DECIDE), as every task in the inbox says
    async def decide(self, decision: TaskDecision) -> str:
        """A reviewer's choice from the inbox; returns the qualification's status once it is recorded."""
        self._desk.accept(decision)
        await workflow.wait_condition(lambda: self._outcome is not None)
        return self._outcome or ""

    @decide.validator
    def _validate_decision(self, decision: TaskDecision) -> None:
        self._desk.check(decision)

    @workflow.query(name="open_task")
    def open_task(self) -> str:
        """The id of the task awaiting a decision, or empty once decided."""
        return self._desk.open_task_id or ""

    def _stamp(self, name: str) -> dict[str, Any]:
        """The fields every step carries: its idempotency key, the qualification, and workflow time."""
        assert self._review is not None
        return {"step": str(workflow_step_id(name)), "submission_id": self._review.submission_id, "at": workflow.now()}
