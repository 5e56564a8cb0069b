"""Registration's Kafka subscribers: hand each decoded event to its use case, nothing else."""

from __future__ import annotations

from datetime import datetime

from referee_shared.clock import Clock
from referee_shared.events.checks import DedupVerdict, QualificationVerdict
from referee_shared.events.deals import DealClosed, DealReversed
from referee_shared.events.disputes import DisputeRuling
from referee_shared.events.envelope import Envelope, carries
from referee_shared.events.leads import LeadActivity, LeadSubmitted
from referee_shared.kafka.consumer import Delivery, EventConsumer
from referee_shared.topics import (
    DEALS_CLOSED,
    DEDUP_VERDICTS,
    DISPUTES_RULINGS,
    LEADS_ACTIVITIES,
    LEADS_SUBMITTED,
    QUALIFICATION_VERDICTS,
)

from .usecases import RegistrationUseCases


def register_handlers(consumer: EventConsumer, use_cases: RegistrationUseCases, clock: Clock) -> None:
    def received_at(delivery: Delivery) -> datetime:
        # The broker's append time (LogAppendTime) is the authoritative receipt time: it is taken from
        # the broker's clock when the record is written, whatever time the partner's producer claimed.
        stamped = delivery.broker_time if delivery.broker_time_is_append_time else None
        return stamped or clock.now()

    async def on_submitted(event: Envelope[LeadSubmitted], delivery: Delivery) -> None:
        await use_cases.intake.receive(event, received_at(delivery), delivery.value)

    async def on_qualification_verdict(event: Envelope[QualificationVerdict], _delivery: Delivery) -> None:
        await use_cases.intake.qualification_verdict(event)

    async def on_dedup_verdict(event: Envelope[DedupVerdict], _delivery: Delivery) -> None:
        await use_cases.intake.dedup_verdict(event)

    async def on_activity(event: Envelope[LeadActivity], delivery: Delivery) -> None:
        await use_cases.follow_ups.record(event, received_at(delivery), delivery.value)

    async def on_deal(event: Envelope[DealClosed | DealReversed], _delivery: Delivery) -> None:
        if carries(event, DealClosed):  # refunds and cancellations are settlement's
            await use_cases.sales.deal_closed(event)

    async def on_ruling(event: Envelope[DisputeRuling], _delivery: Delivery) -> None:
        await use_cases.locks.apply_ruling(event)

    consumer.on(LEADS_SUBMITTED, on_submitted)
    consumer.on(QUALIFICATION_VERDICTS, on_qualification_verdict)
    consumer.on(DEDUP_VERDICTS, on_dedup_verdict)
    consumer.on(LEADS_ACTIVITIES, on_activity)
    consumer.on(DEALS_CLOSED, on_deal)
    consumer.on(DISPUTES_RULINGS, on_ruling)
