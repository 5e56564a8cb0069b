"""Reading a what-if's history from the public topics: every registration, follow-up, closed deal and
qualification change from the first offset to the end as it was when the topic was reached, each at
the broker's append time (the time the live services decided it by). Read-only: a consumer without a
group, so nothing is committed and no live consumer is disturbed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from referee_shared.events.catalog import UndecodableMessage, decode
from referee_shared.events.deals import DealClosed
from referee_shared.events.envelope import Envelope
from referee_shared.events.leads import LeadActivity, LeadSubmitted
from referee_shared.events.qualifications import QualificationChanged
from referee_shared.kafka.consumer import Unprocessable
from referee_shared.kafka.security import client_options
from referee_shared.topics import DEALS_CLOSED, LEADS_ACTIVITIES, LEADS_SUBMITTED, QUALIFICATIONS_DECISIONS, Topic
from referee_shared.trust.local import service_trust

from ..settings import RegistrationSettings
from .history import History

TOPICS: tuple[Topic[Any], ...] = (LEADS_SUBMITTED, LEADS_ACTIVITIES, DEALS_CLOSED, QUALIFICATIONS_DECISIONS)
Read = Callable[[int], None]
"""Told how many records were read so far."""


class TopicHistory:
    """The history on the topics of one deployment (its prefix, brokers and message trust)."""

    def __init__(self, settings: RegistrationSettings) -> None:
        self._settings = settings

    async def read(self, until: datetime, progress: Read | None = None) -> History:
        _, verifier = service_trust(self._settings)
        history = History()
        read = 0
        for topic in TOPICS:
            for record in await self._records(topic.full_name(self._settings.topic_prefix)):
                read += 1
                if progress is not None and read % 1000 == 0:
                    progress(read)
                try:
                    event = decode(topic, record.value)
                    if verifier is not None:
                        verifier(topic, record.value, event)
                except (UndecodableMessage, Unprocessable):
                    continue  # the live consumers dead-lettered it: it decided nothing
                at = _broker_time(record, event)
                if at <= until and isinstance(
                    event.payload, LeadSubmitted | LeadActivity | DealClosed | QualificationChanged
                ):
                    history.add(at, event.payload)
        return history

    async def _records(self, name: str) -> list[ConsumerRecord[Any, Any]]:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._settings.kafka_bootstrap,
            enable_auto_commit=False,
            **client_options(self._settings),
        )
        await consumer.start()
        found: list[ConsumerRecord[Any, Any]] = []
        try:
            await consumer._client.force_metadata_update()
            partitions = [TopicPartition(name, p) for p in sorted(consumer.partitions_for_topic(name) or ())]
            if not partitions:
                return []
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            ends = await consumer.end_offsets(partitions)
            while [p for p in partitions if await consumer.position(p) < ends[p]]:
                for tp, records in (await consumer.getmany(*partitions, timeout_ms=500)).items():
                    found += [r for r in records if r.offset < ends[tp]]
        finally:
            await consumer.stop()
        # Partitions interleave by the broker's time; equal times keep partition and offset order.
        return sorted(found, key=lambda r: (r.timestamp, r.partition, r.offset))


def _broker_time(record: ConsumerRecord[Any, Any], event: Envelope[Any]) -> datetime:
    if record.timestamp_type == 1 and record.timestamp:  # LogAppendTime: the broker's clock
        return datetime.fromtimestamp(record.timestamp / 1000, UTC)
    return event.occurred_at
