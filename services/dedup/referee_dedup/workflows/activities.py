"""Activities of the review workflow: they act on dedup's database through its use cases."""

from __future__ import annotations

from typing import TYPE_CHECKING

from temporalio import activity

from referee_shared.events.tasks import TaskClosed, TaskOpened

from .models import ReviewDecision

if TYPE_CHECKING:
    from ..usecases import Dedup


class ReviewActivities:
    def __init__(self, dedup: Dedup) -> None:
        self._dedup = dedup

    @activity.defn(name="open_review_task")
    async def open_task(self, opened: TaskOpened) -> None:
        await self._dedup.open_task(opened)

    @activity.defn(name="close_review_task")
    async def close_task(self, closed: TaskClosed) -> None:
        await self._dedup.close_task(closed)

    @activity.defn(name="apply_review")
    async def apply_review(self, decision: ReviewDecision) -> str:
        return await self._dedup.apply_review(decision)
