"""Rebuilding the figures from the topics: empty the read model, then replay every topic it folds from
offset 0 to its end through the same fold as the live consumer.

The live consumer may keep running: both guard each event with the same processed-events record, so
an event folded by one is skipped by the other, and the tables end as if folded once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from sqlalchemy import delete

from referee_shared.clock import SystemClock
from referee_shared.db.engine import make_engine, make_sessions
from referee_shared.events.catalog import UndecodableMessage, decode
from referee_shared.kafka.consumer import Delivery, Unprocessable
from referee_shared.kafka.security import client_options
from referee_shared.outbox import Transactions
from referee_shared.trust.local import service_trust

from ..settings import RegistrationSettings
from ..store import messaging
from .fold import FIGURES, FigureFold
from .handlers import routes
from .store import FigureStore


@dataclass
class Replayed:
    """What a rebuild read: records per topic, and those it could not fold (with the reason)."""

    records: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


async def rebuild(settings: RegistrationSettings) -> Replayed:
    engine = make_engine(settings.resolved_database_url())
    try:
        transactions = Transactions(
            make_sessions(engine),
            messaging,
            producer=settings.service_name,
            topic_prefix=settings.topic_prefix,
            clock=SystemClock(),
        )
        async with transactions.begin() as tx:
            await FigureStore(tx.session).clear()
            guard = messaging.processed_events
            await tx.session.execute(delete(guard).where(guard.c.consumer == FIGURES))
        return await replay(settings, FigureFold(transactions, large_amount=settings.large_account_amount))
    finally:
        await engine.dispose()


async def replay(settings: RegistrationSettings, fold: FigureFold) -> Replayed:
    """Fold every record of every topic, from the first offset to the end as it was when the topic was reached."""
    _, verifier = service_trust(settings)
    done = Replayed()
    for topic, handler in routes(fold):
        name = topic.full_name(settings.topic_prefix)
        done.records[topic.name] = 0
        # A consumer per topic: one without subscriptions learns only the first topic's partitions.
        consumer = AIOKafkaConsumer(
            bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False, **client_options(settings)
        )
        await consumer.start()
        try:
            await consumer._client.force_metadata_update()
            partitions = [TopicPartition(name, p) for p in sorted(consumer.partitions_for_topic(name) or ())]
            if not partitions:
                continue
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            ends = await consumer.end_offsets(partitions)
            while [p for p in partitions if await consumer.position(p) < ends[p]]:
                for tp, records in (await consumer.getmany(*partitions, timeout_ms=500)).items():
                    for record in records:
                        if record.offset >= ends[tp]:
                            continue
                        done.records[topic.name] += 1
                        where = f"{record.topic}[{record.partition}]@{record.offset}"
                        try:
                            event = decode(topic, record.value)
                            if verifier is not None:
                                verifier(topic, record.value, event)
                            await handler(event, _delivery(record))
                        except (UndecodableMessage, Unprocessable) as exc:
                            done.skipped.append(f"{where}: {exc}")
        finally:
            await consumer.stop()
    return done


def _delivery(record: ConsumerRecord[Any, Any]) -> Delivery:
    # The fold reads only the events' own system times, never the delivery's.
    return Delivery(record.topic, record.partition, record.offset, record.key, None, False)
