"""A reviewer looks at a visit that happened although another partner visits the same contact within
the board's window: a task in the shared inbox, closed as expired if nobody answers before the deadline."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from referee_shared.events.tasks import TaskClosed, TaskDecision, TaskKind
    from referee_shared.tasks import OpenTask
    from referee_shared.tasks.desk import TaskDesk
    from referee_shared.tasks.inbox import task_opened

    from .activities import ReviewActivities
    from .models import CLASH_CHOICES, ClashReviewInput

_TIMEOUT = timedelta(seconds=30)
_ROLES = ("reviewer", "admin")


@workflow.defn(name="VisitClashReview")
class VisitClashReviewWorkflow:
    def __init__(self) -> None:
        self._desk = TaskDesk("visit")

    @workflow.run
    async def run(self, review: ClashReviewInput) -> str:
        due_at = workflow.now() + timedelta(hours=review.deadline_hours)
        self._desk.open(OpenTask(review.task_id, CLASH_CHOICES, _ROLES, due_at=due_at))
        opened = task_opened(
            task_id=review.task_id,
            kind=TaskKind.VISIT_CLASH,
            title=review.title,
            role=_ROLES[0],
            workflow_id=workflow.info().workflow_id,
            choices=CLASH_CHOICES,
            details=review.details,
            due_at=due_at,
            region=review.region,
            subject_party_ids=review.subject_party_ids,
            opened_at=workflow.now(),
        )
        await workflow.execute_activity_method(ReviewActivities.open_task, opened, start_to_close_timeout=_TIMEOUT)
        decided = await self._desk.wait(due_at)
        _, decision = self._desk.take()
        outcome = decision.choice if decided and decision is not None else "expired"
        closed = TaskClosed(
            task_id=review.task_id,
            outcome=outcome,
            decided_by=decision.decided_by if decision is not None else None,
            reason=decision.reason if decision is not None else f"no decision within {review.deadline_hours} hours",
            closed_at=workflow.now(),
        )
        await workflow.execute_activity_method(ReviewActivities.close_task, closed, start_to_close_timeout=_TIMEOUT)
        return outcome

    @workflow.update  # named "decide" (DECIDE), as every task in the inbox says
    async def decide(self, decision: TaskDecision) -> str:
        self._desk.accept(decision)
        return decision.choice

    @decide.validator
    def _validate(self, decision: TaskDecision) -> None:
        self._desk.check(decision)
