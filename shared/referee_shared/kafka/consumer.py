"""Subscribing a service to topics: decode, dead-letter bad input, retry real failures, commit after work.

Ack policy (deliberate, and manual): a subscription takes what the broker has in batches, runs each
partition's records in order and different partitions side by side (they share no key, so no order
between them is owed), and only then commits, per partition, the offset after the last record it
finished. A crash mid-handler therefore redelivers rather than skips; handlers are idempotent through
the processed-events table. A message that cannot be decoded, or that the handler declares
unprocessable, goes to the consumer's dead-letter topic with the reason and the partition moves on.
Any other failure stops its partition at that record, which is read again after a backoff; after
``max_attempts`` it is dead-lettered too, so one poison message never stops a partition — except an
outage of a dependency, which is waited out for as long as it lasts. A message the handler cannot process
*yet* (``NotYet``: say, a lead not recorded yet) does not wait in place: it goes to the service's retry
topic (``retry.py``) and its partition moves on; its offset is committed once the copy is acknowledged.

Longer than most modules on purpose: the commit discipline (batches, per-partition order, dead letters,
retries in place and on the retry topic) is one invariant and is reviewed in one piece.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
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
from ..topics import Topic, dead_letter_topic, retry_topic
from .deadletter import DeadLetter
from .publisher import Record, RecordSender
from .retry import NotYet, RetryPolicy, RetryStamp, without_stamp

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

    def __init__(self, reason: str, code: str = "unprocessable") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


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


@dataclass(frozen=True)
class GroupMembership:
    """How each subscription's consumer takes part in its group: how fast a dead member is noticed, and whether
    it joins as a static member (``instance``, KIP-345) that takes its partitions back after a restart without
    a rebalance."""

    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 3_000
    instance: str | None = None

    def options(self) -> dict[str, Any]:
        options: dict[str, Any] = {
            "session_timeout_ms": self.session_timeout_ms,
            "heartbeat_interval_ms": self.heartbeat_interval_ms,
        }
        if self.instance is not None:
            options["group_instance_id"] = self.instance
        return options


Handler = Callable[[Envelope[Any], Delivery], Awaitable[None]]
Observe = Callable[[ConsumerRecord[Any, Any]], Awaitable[bool]]
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
        retry: RetryPolicy | None = None,
        uses_retry_topic: bool = True,
        membership: GroupMembership | None = None,
    ) -> None:
        """``uses_retry_topic=False`` for a reader that has no retry topic of its own (the console): a message it
        cannot process yet is dead-lettered at once instead."""
        self._broker = broker
        self._membership = membership or GroupMembership()
        self._uses_retry_topic = uses_retry_topic
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
        self.retry_topic = retry_topic(group).full_name(topic_prefix)
        self._retry = retry or RetryPolicy.default()
        # (source topic, reader) -> where a retried record goes back to; reader "" is the main subscription.
        self._routes: dict[tuple[str, str], tuple[Topic[Any], Handler]] = {}
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

        async def observe(record: ConsumerRecord[Any, Any]) -> bool:
            return await self._observed(topic, handler, record, reader=reader)

        if not self._routes and self._uses_retry_topic:
            self._subscribe(retry_topic(self.group), self.consume_retry_record, self.group)
        self._routes[(topic.full_name(self._prefix), reader)] = (topic, handler)
        self.subscriptions.append(topic)
        self._subscribe(topic, observe, name)

    def _subscribe(self, topic: Topic[Any], observe: Observe, name: str) -> None:
        async def consume(msg: KafkaMessage) -> None:
            await self._consume_batch(topic, observe, msg)

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
            **self._membership.options(),
        )(consume)

    async def _consume_batch(self, topic: Topic[Any], observe: Observe, msg: KafkaMessage) -> None:
        partitions: dict[TopicPartition, list[ConsumerRecord[Any, Any]]] = {}
        for record in msg.raw_message:
            partitions.setdefault(TopicPartition(record.topic, record.partition), []).append(record)
        lanes = asyncio.Semaphore(self._concurrency)

        async def run(records: list[ConsumerRecord[Any, Any]]) -> int | None:
            """The offset this partition stopped at for a retry, or None when it finished the batch."""
            async with lanes:
                for record in records:
                    try:
                        finished = await observe(record)
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

    async def consume_retry_record(self, record: ConsumerRecord[Any, Any]) -> bool:
        """A record of the retry topic: at its time, handled as a record of the topic it came from."""
        try:
            stamp = RetryStamp.read(_headers(record))
            topic, handler = self._routes[(stamp.source_topic, stamp.source_reader)]
        except ValueError as exc:
            await self._dead_letter(record, str(exc), attempts=1, code="bad_retry_record")
            return True
        except KeyError:
            await self._dead_letter(
                record,
                f"retry record from {stamp.source_topic}, which {self.group} does not read",
                attempts=1,
                code="bad_retry_record",
            )
            return True
        wait = (stamp.not_before - datetime.now(UTC)).total_seconds()
        if wait > 0:
            # Capped: a stamp can never park the retry partition for longer than one delay.
            await asyncio.sleep(min(wait, self._retry.delay_seconds))
        return await self._observed(topic, handler, record, stamp, reader=stamp.source_reader)

    async def _observed(
        self,
        topic: Topic[Any],
        handler: Handler,
        record: ConsumerRecord[Any, Any],
        stamp: RetryStamp | None = None,
        *,
        reader: str = "",
    ) -> bool:
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
            finished = await self.consume_record(topic, handler, record, stamp, reader=reader)
        HANDLER_SECONDS.labels(self.group, topic.name).observe(time.perf_counter() - started)
        MESSAGES.labels(self.group, topic.name, "handled" if finished else "retried").inc()
        return finished

    async def consume_record(
        self,
        topic: Topic[Any],
        handler: Handler,
        record: ConsumerRecord[Any, Any],
        stamp: RetryStamp | None = None,
        *,
        reader: str = "",
    ) -> bool:
        """Handle one record (``stamp``: a retried one, from the retry topic); False when it must be read again
        (after the backoff this call waited)."""
        position = (record.topic, record.partition, record.offset)
        try:
            envelope = decode(topic, record.value)
            if self._admission is not None:
                self._admission(topic, record.value, envelope)
        except UndecodableMessage as exc:
            await self._dead_letter(record, exc.reason, attempts=1, stamp=stamp, code=exc.code, reader=reader)
            return True
        try:
            await handler(envelope, _delivery(record) if stamp is None else _retried_delivery(record, stamp))
        except Unprocessable as exc:
            await self._dead_letter(record, exc.reason, attempts=1, stamp=stamp, code=exc.code, reader=reader)
        except NotYet as exc:
            if self._uses_retry_topic:
                await self._retry_later(record, exc.reason, exc.code, stamp, reader)
            else:
                await self._dead_letter(record, exc.reason, attempts=1, code=exc.code, reader=reader)
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
                await self._dead_letter(
                    record,
                    f"failed {attempts} times: {exc!r}",
                    attempts=attempts,
                    stamp=stamp,
                    code="handler_failed",
                    reader=reader,
                )
                return True
            self._attempts[position] = attempts
            log.warning("handler failed on %s (attempt %d): %r; will retry", position, attempts, exc)
            await asyncio.sleep(self._backoff * attempts)
            return False
        self._attempts.pop(position, None)
        return True

    async def _retry_later(
        self, record: ConsumerRecord[Any, Any], reason: str, code: str, stamp: RetryStamp | None, reader: str
    ) -> None:
        """Copy the record to the retry topic, due after the policy's delay; past its last attempt, dead-letter it."""
        now = datetime.now(UTC)  # transport timing, not a business time: the wall clock, like the broker's
        if stamp is None:
            first = _delivery(record)
            stamp = RetryStamp(
                source_topic=record.topic,
                source_partition=record.partition,
                source_offset=record.offset,
                first_broker_time=first.broker_time,
                first_broker_time_is_append_time=first.broker_time_is_append_time,
                first_failed_at=now,
                attempts=0,
                not_before=now,
                reason=reason,
                source_reader=reader,
            )
        stamp = replace(stamp, attempts=stamp.attempts + 1, reason=reason)
        due = self._retry.next_attempt_at(stamp.attempts, now)
        if due is None:
            give_up = self._retry.give_up_reason(reason, stamp, now)
            await self._dead_letter(
                record, give_up, attempts=stamp.attempts, stamp=stamp, code=code, reader=stamp.source_reader
            )
            return
        stamp = replace(stamp, not_before=due)
        log.info("%s[%d]@%d not processable yet (attempt %d): %s; retried from %s after %s",
                 stamp.source_topic, stamp.source_partition, stamp.source_offset, stamp.attempts, reason,
                 self.retry_topic, due.isoformat())  # fmt: skip
        headers = {**without_stamp(_headers(record)), **stamp.headers()}
        await self._sender.send([Record(self.retry_topic, record.key, record.value, headers)])

    async def _dead_letter(
        self,
        record: ConsumerRecord[Any, Any],
        reason: str,
        *,
        attempts: int,
        stamp: RetryStamp | None = None,
        code: str = "unprocessable",
        reader: str = "",
    ) -> None:
        """Dead-letter ``record``; a retried one under the topic, partition and offset it first arrived at.

        A second subscription (``reader``) refusing the same record signs its letter with its own name, so the
        service's dead-letter topic tells the two refusals apart."""
        topic, partition, offset = (
            (record.topic, record.partition, record.offset)
            if stamp is None
            else (stamp.source_topic, stamp.source_partition, stamp.source_offset)
        )
        letter = DeadLetter.of(
            consumer=f"{self.group}-{reader}" if reader else self.group,
            reason=reason,
            reason_code=code,
            failed_at=self._clock.now(),
            topic=topic,
            partition=partition,
            offset=offset,
            key=record.key,
            value=record.value,
            headers=_headers(record),
            attempts=attempts,
        )
        log.warning("dead-lettered %s[%d]@%d: %s", topic, partition, offset, reason)
        DEAD_LETTERS.labels(self.group, topic, reason_code(reason)).inc()
        await self._sender.send(
            [
                Record(
                    self.dead_letter_topic,
                    record.key,
                    letter.model_dump_json().encode(),
                    {"dead-letter-reason": reason[:500], "source-topic": topic},
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


def _retried_delivery(record: ConsumerRecord[Any, Any], stamp: RetryStamp) -> Delivery:
    """A retried record as the handler would have seen it first: its first broker time is still the authority."""
    return Delivery(
        topic=stamp.source_topic,
        partition=stamp.source_partition,
        offset=stamp.source_offset,
        key=record.key,
        broker_time=stamp.first_broker_time,
        broker_time_is_append_time=stamp.first_broker_time_is_append_time,
        value=record.value if isinstance(record.value, bytes) else b"",
    )


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
