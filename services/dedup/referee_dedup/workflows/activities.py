"""Activities of the review workflow: its task steps, and the decision applied through dedup's use cases."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from temporalio import activity

from referee_shared.events.tasks import TaskClosed, TaskOpened

from .models import ReviewDecision

if TYPE_CHECKING:
    from ..usecases import Dedup
    from .steps import ReviewSteps


class ReviewActivities:
    def __init__(self, steps: ReviewSteps, dedup: Dedup) -> None:
        self._steps = steps
        self._dedup = dedup

    @activity.defn(name="open_review_task")
    async def open_task(self, opened: TaskOpened) -> None:
        await self._steps.open_task(opened)

    @activity.defn(name="close_review_task")
    async def close_task(self, closed: TaskClosed) -> None:
        await self._steps.close_task(closed)

    @activity.defn(name="apply_review")
    async def apply_review(self, decision: ReviewDecision) -> str:
        return await self._dedup.apply_review(decision)

    def all(self) -> list[Callable[..., Any]]:
        return [self.open_task, self.close_task, self.apply_review]
