"""The subscriber to arbitration's dispute steps."""

from __future__ import annotations

from referee_shared.events.disputes import DisputeProgressed
from referee_shared.events.envelope import Envelope
from referee_shared.kafka.consumer import Delivery, EventConsumer
from referee_shared.topics import DISPUTES_EVENTS

from .usecases import DisputesHeard


def register_handlers(consumer: EventConsumer, disputes: DisputesHeard) -> None:
    async def on_step(event: Envelope[DisputeProgressed], _delivery: Delivery) -> None:
        await disputes.progressed(event)

    consumer.on(DISPUTES_EVENTS, on_step)
