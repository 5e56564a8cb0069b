"""Qualification's Kafka subscribers."""

from __future__ import annotations

from referee_shared.events.checks import QualificationCheckRequested
from referee_shared.events.envelope import Envelope
from referee_shared.events.qualifications import QualificationSubmitted
from referee_shared.kafka.consumer import Delivery, EventConsumer
from referee_shared.topics import QUALIFICATION_CHECKS, QUALIFICATIONS_SUBMITTED

from .usecases import Qualifications


def register_handlers(consumer: EventConsumer, qualifications: Qualifications) -> None:
    async def on_check(event: Envelope[QualificationCheckRequested], _delivery: Delivery) -> None:
        await qualifications.check(event)

    async def on_submitted(event: Envelope[QualificationSubmitted], _delivery: Delivery) -> None:
        await qualifications.submitted(event)

    consumer.on(QUALIFICATION_CHECKS, on_check)
    consumer.on(QUALIFICATIONS_SUBMITTED, on_submitted)
