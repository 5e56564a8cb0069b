"""Arbitration's Kafka subscribers."""

from __future__ import annotations

from typing import Any

from referee_shared.events.envelope import Envelope
from referee_shared.kafka.consumer import Delivery, EventConsumer
from referee_shared.topics import DISPUTES_OPENED

from .usecases import Arbitration


def register_handlers(consumer: EventConsumer, arbitration: Arbitration) -> None:
    async def on_opened(event: Envelope[Any], _delivery: Delivery) -> None:
        await arbitration.opened(event)

    consumer.on(DISPUTES_OPENED, on_opened)
