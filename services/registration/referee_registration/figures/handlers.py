"""The figures' subscriptions: each public event the read model folds, in its own consumer groups
(``registration-figures.<topic>``), so the fold keeps its own offsets and can be replayed alone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from referee_shared.events.deals import DealClosed, DealReversed
from referee_shared.events.disputes import DisputeOpened, DisputeProgressed
from referee_shared.events.envelope import Envelope, carries
from referee_shared.events.leads import LeadActivity, LeadDecision, LeadTransitioned
from referee_shared.events.tasks import TaskClosed, TaskOpened, TaskReminded
from referee_shared.kafka.consumer import Delivery, EventConsumer
from referee_shared.topics import (
    DEALS_CLOSED,
    DISPUTES_EVENTS,
    DISPUTES_OPENED,
    LEADS_ACTIVITIES,
    LEADS_DECISIONS,
    LEADS_TRANSITIONS,
    TASKS_EVENTS,
    Topic,
)

from .fold import FigureFold

READER = "figures"


Route = tuple[Topic[Any], Callable[[Envelope[Any], Delivery], Awaitable[None]]]


def routes(fold: FigureFold) -> list[Route]:
    """Each topic the figures fold and what folds it, in the order a rebuild replays them (leads before
    the disputes and tasks that refer to them)."""

    async def on_transition(event: Envelope[LeadTransitioned], _delivery: Delivery) -> None:
        await fold.transition(event)

    async def on_decision(event: Envelope[LeadDecision], _delivery: Delivery) -> None:
        await fold.decision(event)

    async def on_activity(event: Envelope[LeadActivity], _delivery: Delivery) -> None:
        await fold.activity(event)

    async def on_deal(event: Envelope[DealClosed | DealReversed], _delivery: Delivery) -> None:
        if carries(event, DealClosed):
            await fold.deal(event)

    async def on_dispute_opened(event: Envelope[DisputeOpened], _delivery: Delivery) -> None:
        await fold.dispute_opened(event)

    async def on_dispute_step(event: Envelope[DisputeProgressed], _delivery: Delivery) -> None:
        await fold.dispute_progressed(event)

    async def on_task(event: Envelope[TaskOpened | TaskClosed | TaskReminded], _delivery: Delivery) -> None:
        if carries(event, TaskOpened):
            await fold.task_opened(event)
        elif carries(event, TaskClosed):
            await fold.task_closed(event)

    return [
        (LEADS_TRANSITIONS, on_transition),
        (LEADS_DECISIONS, on_decision),
        (LEADS_ACTIVITIES, on_activity),
        (DEALS_CLOSED, on_deal),
        (DISPUTES_OPENED, on_dispute_opened),
        (DISPUTES_EVENTS, on_dispute_step),
        (TASKS_EVENTS, on_task),
    ]


def register_handlers(consumer: EventConsumer, fold: FigureFold) -> None:
    for topic, handler in routes(fold):
        consumer.on(topic, handler, reader=READER)
