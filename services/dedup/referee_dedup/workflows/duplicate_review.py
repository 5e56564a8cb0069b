"""A reviewer decides a held registration: a task in the shared inbox, escalated to HQ if left undecided."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from referee_shared.events.tasks import TaskClosed, TaskDecision, TaskKind, TaskOpened

    from .activities import ReviewActivities
    from .models import DECIDE, ReviewDecision, ReviewInput

_TIMEOUT = timedelta(seconds=30)
_ROLES = {1: ("reviewer", "admin"), 2: ("arbiter", "admin")}


@workflow.defn(name="DuplicateReview")
class DuplicateReviewWorkflow:
    def __init__(self) -> None:
        self._review: ReviewInput | None = None
        self._level = 1
        self._decision: TaskDecision | None = None

    @workflow.run
    async def run(self, review: ReviewInput) -> str:
        self._review = review
        for level, hours in ((1, review.deadline_hours), (2, review.escalation_hours)):
            self._level = level
            await self._open(review, level, hours)
            try:
                await workflow.wait_condition(lambda: self._decision is not None, timeout=timedelta(hours=hours))
            except TimeoutError:
                outcome = "escalated" if level == 1 else "expired"
                await self._close(review, outcome, None, f"no decision within {hours} hours")
                continue
            decision = self._decision
            assert decision is not None
            await self._close(review, decision.choice, decision.decided_by, decision.reason)
            return await self._apply(review, decision.choice, decision.decided_by, decision.reason)
        reason = "nobody decided before the deadlines; the earlier registration keeps its protection"
        return await self._apply(review, review.default_choice, "deadline", reason)

    @workflow.update(name=DECIDE)
    async def decide(self, decision: TaskDecision) -> str:
        self._decision = decision
        return decision.choice

    @decide.validator
    def _validate(self, decision: TaskDecision) -> None:
        review = self._review
        if review is None or decision.task_id != review.task_id:
            raise ValueError(f"unknown task {decision.task_id!r}")
        if decision.choice not in review.choices:
            raise ValueError(f"choice {decision.choice!r} is not offered; choose one of {', '.join(review.choices)}")
        if decision.role not in _ROLES[self._level]:
            raise ValueError(f"role {decision.role!r} may not decide at level {self._level}")
        if self._decision is not None:
            raise ValueError("this task is already decided")

    @workflow.query
    def level(self) -> int:
        return self._level

    async def _open(self, review: ReviewInput, level: int, hours: int) -> None:
        opened = TaskOpened(
            task_id=review.task_id,
            kind=TaskKind.DUPLICATE_REVIEW,
            title=review.title,
            role=_ROLES[level][0],
            level=level,
            workflow_id=workflow.info().workflow_id,
            update_name=DECIDE,
            choices=review.choices,
            details=review.details,
            due_at=workflow.now() + timedelta(hours=hours),
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
