"""A reviewer decides a held registration: a task in the shared inbox, escalated to HQ if left undecided."""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from referee_shared.events.tasks import TaskClosed, TaskDecision, TaskKind
    from referee_shared.tasks import OpenTask
    from referee_shared.tasks.desk import TaskDesk
    from referee_shared.tasks.inbox import task_opened

    from .activities import ReviewActivities
    from .models import ReviewDecision, ReviewInput

_TIMEOUT = timedelta(seconds=30)
_ROLES = {1: ("reviewer", "admin"), 2: ("arbiter", "admin")}


@workflow.defn(name="DuplicateReview")
class DuplicateReviewWorkflow:
    def __init__(self) -> None:
        self._level = 1
        self._desk = TaskDesk("review")

    @workflow.run
    async def run(self, review: ReviewInput) -> str:
        for level, hours in ((1, review.deadline_hours), (2, review.escalation_hours)):
            self._level = level
            due_at = workflow.now() + timedelta(hours=hours)
            self._desk.open(OpenTask(review.task_id, review.choices, _ROLES[level], level=level, due_at=due_at))
            await self._open(review, level, due_at)
            if not await self._desk.wait(due_at):
                outcome = "escalated" if level == 1 else "expired"
                await self._close(review, outcome, None, f"no decision within {hours} hours")
                continue
            _, decision = self._desk.take()
            assert decision is not None
            await self._close(review, decision.choice, decision.decided_by, decision.reason)
            return await self._apply(review, decision.choice, decision.decided_by, decision.reason)
        self._desk.take()
        reason = "nobody decided before the deadlines; the earlier registration keeps its protection"
        return await self._apply(review, review.default_choice, "deadline", reason)

    @workflow.update  # named "decide" (DECIDE), as every task in the inbox says
    async def decide(self, decision: TaskDecision) -> str:
        self._desk.accept(decision)
        return decision.choice

    @decide.validator
    def _validate(self, decision: TaskDecision) -> None:
        self._desk.check(decision)

    @workflow.query
    def level(self) -> int:
        return self._level

    async def _open(self, review: ReviewInput, level: int, due_at: datetime) -> None:
        opened = task_opened(
            task_id=review.task_id,
            kind=TaskKind.DUPLICATE_REVIEW,
            title=review.title,
            role=_ROLES[level][0],
            level=level,
            workflow_id=workflow.info().workflow_id,
            choices=review.choices,
            details=review.details,
            due_at=due_at,
            region=review.region,
            subject_party_ids=review.subject_party_ids,
            opened_at=workflow.now(),
        )
        await workflow.execute_activity_method(ReviewActivities.open_task, opened, start_to_close_timeout=_TIMEOUT)

    async def _close(self, review: ReviewInput, outcome: str, by: str | None, reason: str) -> None:
        closed = TaskClosed(
            task_id=review.task_id, outcome=outcome, decided_by=by, reason=reason, closed_at=workflow.now()
        )
        await workflow.execute_activity_method(ReviewActivities.close_task, closed, start_to_close_timeout=_TIMEOUT)

    async def _apply(self, review: ReviewInput, choice: str, by: str, reason: str) -> str:
        decision = ReviewDecision(task_id=review.task_id, choice=choice, decided_by=by, reason=reason)
        return await workflow.execute_activity_method(
            ReviewActivities.apply_review, decision, start_to_close_timeout=_TIMEOUT
        )
