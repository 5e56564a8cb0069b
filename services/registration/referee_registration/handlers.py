"""Registration's Kafka subscribers: hand each decoded event to its use case, nothing else."""

from __future__ import annotations

from typing import Any

from referee_shared.clock import Clock
from referee_shared.events.envelope import Envelope
from referee_shared.kafka.consumer import Delivery, EventConsumer
from referee_shared.topics import DEDUP_VERDICTS, LEADS_SUBMITTED, QUALIFICATION_VERDICTS

from .usecases import Registration


def register_handlers(consumer: EventConsumer, registration: Registration, clock: Clock) -> None:
    async def on_submitted(event: Envelope[Any], delivery: Delivery) -> None:
        # The broker's append time (LogAppendTime) is the authoritative receipt time: it is taken from
        # the broker's clock when the record is written, whatever time the partner's producer claimed.
        received_at = delivery.broker_time if delivery.broker_time_is_append_time else clock.now()
        await registration.receive(event, received_at or clock.now())

    async def on_qualification_verdict(event: Envelope[Any], _delivery: Delivery) -> None:
        await registration.qualification_verdict(event)

    async def on_dedup_verdict(event: Envelope[Any], _delivery: Delivery) -> None:
        await registration.dedup_verdict(event)

    consumer.on(LEADS_SUBMITTED, on_submitted)
    consumer.on(QUALIFICATION_VERDICTS, on_qualification_verdict)
    consumer.on(DEDUP_VERDICTS, on_dedup_verdict)
