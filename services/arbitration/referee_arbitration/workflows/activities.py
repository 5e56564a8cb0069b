"""Activities of the dispute workflow: each acts on arbitration's database through its use cases."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from temporalio import activity

from .models import AppealMade, Escalation, Finalisation, Notice, ReviewClosing, ReviewOpening, RulingMade

if TYPE_CHECKING:
    from .steps import WorkflowSteps


class DisputeActivities:
    def __init__(self, steps: WorkflowSteps) -> None:
        self._steps = steps

    @activity.defn(name="dispute_open_review")
    async def open_review(self, opening: ReviewOpening) -> None:
        await self._steps.open_review(opening)

    @activity.defn(name="dispute_close_review")
    async def close_review(self, closing: ReviewClosing) -> None:
        await self._steps.close_review(closing)

    @activity.defn(name="dispute_notify")
    async def notify(self, notice: Notice) -> None:
        await self._steps.notify(notice)

    @activity.defn(name="dispute_escalate")
    async def escalate(self, escalation: Escalation) -> None:
        await self._steps.escalate(escalation)

    @activity.defn(name="dispute_record_ruling")
    async def record_ruling(self, made: RulingMade) -> None:
        await self._steps.record_ruling(made)

    @activity.defn(name="dispute_record_appeal")
    async def record_appeal(self, made: AppealMade) -> None:
        await self._steps.record_appeal(made)

    @activity.defn(name="dispute_finalise")
    async def finalise(self, finalisation: Finalisation) -> None:
        await self._steps.finalise(finalisation)

    def all(self) -> list[Callable[..., Any]]:
        return [
            self.open_review,
            self.close_review,
            self.notify,
            self.escalate,
            self.record_ruling,
            self.record_appeal,
            self.finalise,
        ]
