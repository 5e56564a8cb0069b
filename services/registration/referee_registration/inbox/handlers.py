"""The inbox's Kafka subscriber."""

from __future__ import annotations

from referee_shared.events.envelope import Envelope
from referee_shared.events.tasks import TaskClosed, TaskOpened, TaskReminded
from referee_shared.kafka.consumer import Delivery, EventConsumer
from referee_shared.topics import TASKS_EVENTS

from .usecases import Inbox


def register_handlers(consumer: EventConsumer, inbox: Inbox) -> None:
    async def on_task_event(event: Envelope[TaskOpened | TaskClosed | TaskReminded], _delivery: Delivery) -> None:
        await inbox.record(event)

    consumer.on(TASKS_EVENTS, on_task_event)
