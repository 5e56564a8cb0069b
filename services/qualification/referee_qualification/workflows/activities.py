"""Activities of qualification's workflows: each is one step of ReviewSteps on qualification's database."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from temporalio import activity

from .models import Escalation, Reminder, ReviewDecided, Step, TaskStep

if TYPE_CHECKING:
    from .steps import ReviewSteps


class ReviewActivities:
    def __init__(self, steps: ReviewSteps) -> None:
        self._steps = steps

    @activity.defn(name="qualification_open_task")
    async def open_task(self, step: TaskStep) -> None:
        await self._steps.open_task(step)

    @activity.defn(name="qualification_escalate")
    async def escalate(self, step: Escalation) -> None:
        await self._steps.escalate(step)

    @activity.defn(name="qualification_remind")
    async def remind(self, step: Reminder) -> None:
        await self._steps.remind(step)

    @activity.defn(name="qualification_decide")
    async def decide(self, step: ReviewDecided) -> str:
        return await self._steps.decide(step)

    @activity.defn(name="qualification_warn_expiry")
    async def warn_expiry(self, step: Step) -> None:
        await self._steps.warn_expiry(step)

    @activity.defn(name="qualification_lapse")
    async def lapse(self, step: Step) -> None:
        await self._steps.lapse(step)

    def all(self) -> list[Callable[..., Any]]:
        return [self.open_task, self.escalate, self.remind, self.decide, self.warn_expiry, self.lapse]
