"""Qualification's Kafka subscribers."""

from __future__ import annotations

from typing import Any

from referee_shared.events.envelope import Envelope
from referee_shared.kafka.consumer import Delivery, EventConsumer
from referee_shared.topics import QUALIFICATION_CHECKS, QUALIFICATIONS_SUBMITTED

from .usecases import Qualifications


def register_handlers(consumer: EventConsumer, qualifications: Qualifications) -> None:
    async def on_check(event: Envelope[Any], _delivery: Delivery) -> None:
        await qualifications.check(event)

    async def on_submitted(event: Envelope[Any], _delivery: Delivery) -> None:
        await qualifications.submitted(event)

    consumer.on(QUALIFICATION_CHECKS, on_check)
    consumer.on(QUALIFICATIONS_SUBMITTED, on_submitted)
