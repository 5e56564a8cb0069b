"""Subscribing a service to topics: decode, dead-letter bad input, retry real failures, commit after work.

Ack policy (deliberate, and manual): a subscription takes what the broker has in batches, runs each
partition's records in order and different partitions side by side (they share no key, so no order
between them is owed), and only then commits, per partition, the offset after the last record it
finished. A crash mid-handler therefore redelivers rather than skips; handlers are idempotent through
the processed-events table. A message that cannot be decoded, or that the handler declares
unprocessable, goes to the consumer's dead-letter topic with the reason and the partition moves on.
Any other failure stops its partition at that record, which is read again after a backoff; after
``max_attempts`` it is dead-lettered too, so one poison message never stops a partition — except an
outage of a dependency, which is waited out for as long as it lasts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from faststream.kafka import KafkaBroker, KafkaMessage
from faststream.middlewares import AckPolicy
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from temporalio.service import RPCError, RPCStatusCode

from ..clock import Clock
from ..events.catalog import UndecodableMessage, decode
from ..events.envelope import Envelope, P
from ..observability import tracing
from ..observability.metrics import CONSUMER_LAG, DEAD_LETTERS, HANDLER_SECONDS, MESSAGES, reason_code
from ..topics import Topic, dead_letter_topic
from .deadletter import DeadLetter
from .publisher import Record, RecordSender

log = logging.getLogger(__name__)


MAX_OUTAGE_BACKOFF_SECONDS = 30.0
_OUTAGE_STATUSES = {RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.RESOURCE_EXHAUSTED}


def is_outage(exc: BaseException) -> bool:
    """True for failures of a dependency (database, Temporal, network), not of the message itself."""
    if isinstance(exc, OperationalError | InterfaceError | DisconnectionError | ConnectionError | TimeoutError):
        return True
    if isinstance(exc, RPCError):
        return exc.status in _OUTAGE_STATUSES
    if isinstance(exc, OSError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


class Unprocessable(Exception):
    """Raised by a handler for input that no retry can fix; the message is dead-lettered with the reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Delivery:
    """Where a message came from, and the broker's own timestamp of it."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    broker_time: datetime | None
    broker_time_is_append_time: bool
    value: bytes = b""
    """the message as received, e.g. for evidence that keeps what a producer signed"""


Handler = Callable[[Envelope[Any], Delivery], Awaitable[None]]
Admission = Callable[[Topic[Any], bytes, Envelope[Any]], None]
"""Checks a decoded message before any handler sees it (who sent it); raises UndecodableMessage to refuse."""


class EventConsumer:
    """Registers one service's subscriptions on a faststream broker."""

    def __init__(
        self,
        broker: KafkaBroker,
        sender: RecordSender,
        *,
        group: str,
        topic_prefix: str,
        clock: Clock,
        max_attempts: int = 5,
        retry_backoff_seconds: float = 0.5,
        concurrency: int = 8,
        batch_size: int = 100,
        traced: bool = False,
        admission: Admission | None = None,
    ) -> None:
        self._broker = broker
        self._admission = admission
        self._sender = sender
        self.group = group
        self._prefix = topic_prefix
        self._clock = clock
        self._max_attempts = max_attempts
        self._backoff = retry_backoff_seconds
        self._concurrency = concurrency
        self._batch_size = batch_size
        self._traced = traced
        self._attempts: dict[tuple[str, int, int], int] = {}
        self.dead_letter_topic = dead_letter_topic(group).full_name(topic_prefix)
        self.subscriptions: list[Topic[Any]] = []

    def on(
        self, topic: Topic[P], handler: Callable[[Envelope[P], Delivery], Awaitable[None]], *, reader: str = ""
    ) -> None:
        """Deliver every valid message of ``topic`` to ``handler``, in order within a partition.

        The handler's type is checked against the topic's payloads: it receives ``Envelope[P]``.

        Each subscription is its own consumer group (``<service>.<topic>``): instances of a service
        share a topic's partitions, and joining one subscription never rebalances the others. A
        ``reader`` names a second subscription of the same service to a topic (``<service>-<reader>.<topic>``),
        e.g. a read model that folds a topic the service also handles; its dead letters are the service's.
        """
        name = f"{self.group}-{reader}" if reader else self.group

        async def consume(msg: KafkaMessage) -> None:
            await self._consume_batch(topic, handler, msg)

        self.subscriptions.append(topic)
        self._broker.subscriber(
            topic.full_name(self._prefix),
            group_id=f"{self._prefix}{name}.{topic.name}",
            ack_policy=AckPolicy.MANUAL,
            decoder=_undecoded,
            auto_offset_reset="earliest",
            batch=True,
            max_records=self._batch_size,
            title=f"{name}:{topic.name}",
            description=topic.description,
        )(consume)

    async def _consume_batch(self, topic: Topic[Any], handler: Handler, msg: KafkaMessage) -> None:
        partitions: dict[TopicPartition, list[ConsumerRecord[Any, Any]]] = {}
        for record in msg.raw_message:
            partitions.setdefault(TopicPartition(record.topic, record.partition), []).append(record)
        lanes = asyncio.Semaphore(self._concurrency)

        async def run(records: list[ConsumerRecord[Any, Any]]) -> int | None:
            """The offset this partition stopped at for a retry, or None when it finished the batch."""
            async with lanes:
                for record in records:
                    try:
                        finished = await self._observed(topic, handler, record)
                    except Exception:
                        # Neither processed nor dead-lettered (the dead-letter topic itself may be
                        # unreachable): the partition stops here and reads the record again.
                        log.exception(
                            "could not finish %s[%d]@%d; will retry", record.topic, record.partition, record.offset
                        )
                        await asyncio.sleep(self._backoff)
                        finished = False
                    if not finished:
                        return int(record.offset)
            return None

        stops = await asyncio.gather(*(run(records) for records in partitions.values()))
        consumer = getattr(msg, "consumer", None)
        if not isinstance(consumer, AIOKafkaConsumer):
            return  # the in-memory test broker: nothing to commit, nothing is redelivered
        done = {tp: records[-1].offset + 1 for (tp, records), stop in zip(partitions.items(), stops, strict=True)}
        retry = {tp: stop for tp, stop in zip(partitions, stops, strict=True) if stop is not None}
        done.update(retry)
        try:
            await consumer.commit(dict(done.items()))
        except Exception:
            # The fetch position is already past this batch; unless it goes back, the next commit
            # would pass records whose commit was lost. Redelivery is harmless (handlers are idempotent).
            log.warning("commit failed for %s; reading the batch again", topic.name, exc_info=True)
            assigned = consumer.assignment()
            for tp, records in partitions.items():
                if tp in assigned:
                    consumer.seek(tp, records[0].offset)
            return
        for tp, offset in done.items():
            high = consumer.highwater(tp)
            if high is not None:
                CONSUMER_LAG.labels(self.group, topic.name, str(tp.partition)).set(max(high - offset, 0))
        for tp, offset in retry.items():
            consumer.seek(tp, offset)

    async def _observed(self, topic: Topic[Any], handler: Handler, record: ConsumerRecord[Any, Any]) -> bool:
        """``consume_record``, timed and traced, with the message's ids on every log line it causes."""
        headers = _headers(record)
        ids = {name.replace("-", "_"): headers[name] for name in ("correlation-id", "event-id") if name in headers}
        attributes = {
            "messaging.system": "kafka",
            "messaging.destination.name": record.topic,
            "messaging.kafka.partition": record.partition,
            "messaging.kafka.offset": record.offset,
        }
        span = tracing.consuming(topic.name, headers, attributes) if self._traced else contextlib.nullcontext()
        started = time.perf_counter()
        with structlog.contextvars.bound_contextvars(**ids), span:
            finished = await self.consume_record(topic, handler, record)
        HANDLER_SECONDS.labels(self.group, topic.name).observe(time.perf_counter() - started)
        MESSAGES.labels(self.group, topic.name, "handled" if finished else "retried").inc()
        return finished

    async def consume_record(self, topic: Topic[Any], handler: Handler, record: ConsumerRecord[Any, Any]) -> bool:
        """Handle one record; False when it must be read again (after the backoff this call waited)."""
        position = (record.topic, record.partition, record.offset)
        try:
            envelope = decode(topic, record.value)
            if self._admission is not None:
                self._admission(topic, record.value, envelope)
        except UndecodableMessage as exc:
            await self._dead_letter(record, exc.reason, attempts=1)
            return True
        try:
            await handler(envelope, _delivery(record))
        except Unprocessable as exc:
            await self._dead_letter(record, exc.reason, attempts=1)
        except Exception as exc:
            attempts = self._attempts.get(position, 0) + 1
            if is_outage(exc):
                # The database, Temporal or the network is down: the message is fine, so it waits for
                # them (read again after the backoff) instead of filling the dead-letter topic.
                self._attempts[position] = attempts
                log.warning("dependency unavailable on %s (attempt %d): %r; will retry", position, attempts, exc)
                await asyncio.sleep(min(self._backoff * attempts, MAX_OUTAGE_BACKOFF_SECONDS))
                return False
            if attempts >= self._max_attempts:
                self._attempts.pop(position, None)
                log.exception("giving up on %s after %d attempts", position, attempts)
                await self._dead_letter(record, f"failed {attempts} times: {exc!r}", attempts=attempts)
                return True
            self._attempts[position] = attempts
            log.warning("handler failed on %s (attempt %d): %r; will retry", position, attempts, exc)
            await asyncio.sleep(self._backoff * attempts)
            return False
        self._attempts.pop(position, None)
        return True

    async def _dead_letter(self, record: ConsumerRecord[Any, Any], reason: str, *, attempts: int) -> None:
        letter = DeadLetter.of(
            consumer=self.group,
            reason=reason,
            failed_at=self._clock.now(),
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key,
            value=record.value,
            headers=_headers(record),
            attempts=attempts,
        )
        log.warning("dead-lettered %s[%d]@%d: %s", record.topic, record.partition, record.offset, reason)
        DEAD_LETTERS.labels(self.group, record.topic, reason_code(reason)).inc()
        await self._sender.send(
            [
                Record(
                    self.dead_letter_topic,
                    record.key,
                    letter.model_dump_json().encode(),
                    {"dead-letter-reason": reason[:500], "source-topic": record.topic},
                )
            ]
        )


async def _undecoded(msg: Any) -> Any:
    """Leave the bytes alone: faststream's own JSON decoding raises on poison before any handler could
    dead-letter it; ``decode`` reads each record instead, and says why it cannot."""
    return None


def _headers(record: ConsumerRecord[Any, Any]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in record.headers or ():
        if isinstance(value, bytes):
            headers[name] = value.decode("utf-8", "replace")
        elif isinstance(value, str):
            headers[name] = value
    return headers


def _delivery(raw: Any) -> Delivery:
    timestamp = getattr(raw, "timestamp", None)
    return Delivery(
        topic=raw.topic,
        partition=raw.partition,
        offset=raw.offset,
        key=raw.key,
        broker_time=datetime.fromtimestamp(timestamp / 1000, UTC) if timestamp else None,
        broker_time_is_append_time=getattr(raw, "timestamp_type", 0) == 1,
        value=raw.value if isinstance(raw.value, bytes) else b"",
    )
