"""Dedup's Kafka subscribers: hand each decoded event to its use case, nothing else."""

from __future__ import annotations

from referee_shared.events.checks import DedupRequested
from referee_shared.events.envelope import Envelope
from referee_shared.events.leads import LockChanged
from referee_shared.kafka.consumer import Delivery, EventConsumer
from referee_shared.topics import DEDUP_REQUESTS, LEADS_LOCKS

from .usecases import Dedup


def register_handlers(consumer: EventConsumer, dedup: Dedup) -> None:
    async def on_request(event: Envelope[DedupRequested], _delivery: Delivery) -> None:
        await dedup.check(event)

    async def on_lock(event: Envelope[LockChanged], _delivery: Delivery) -> None:
        await dedup.lock_changed(event)

    consumer.on(DEDUP_REQUESTS, on_request)
    consumer.on(LEADS_LOCKS, on_lock)
