"""Subscribing a service to topics: decode, dead-letter bad input, retry real failures, commit after work.

Ack policy (deliberate): offsets are committed only after the handler finished (NACK_ON_ERROR), so a
crash mid-handler redelivers the message rather than skipping it; handlers are idempotent through the
processed-events table. A message that cannot be decoded, or that the handler declares unprocessable,
goes to the consumer's dead-letter topic with the reason and the consumer moves on. Any other failure
is retried with backoff; after ``max_attempts`` it is dead-lettered too, so one poison message never
stops a partition.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from faststream.kafka import KafkaBroker, KafkaMessage
from faststream.middlewares import AckPolicy
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from temporalio.service import RPCError, RPCStatusCode

from ..clock import Clock
from ..events.catalog import UndecodableMessage, decode
from ..events.envelope import Envelope
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


Handler = Callable[[Envelope[Any], Delivery], Awaitable[None]]


class EventConsumer:
    """Registers handlers for one service's consumer group on a faststream broker."""

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
    ) -> None:
        self._broker = broker
        self._sender = sender
        self.group = group
        self._prefix = topic_prefix
        self._clock = clock
        self._max_attempts = max_attempts
        self._backoff = retry_backoff_seconds
        self._attempts: dict[tuple[str, int, int], int] = {}
        self.dead_letter_topic = dead_letter_topic(group).full_name(topic_prefix)
        self.subscriptions: list[Topic] = []

    def on(self, topic: Topic, handler: Handler) -> None:
        """Deliver every valid message of ``topic`` to ``handler``, in partition order.

        Each subscription is its own consumer group (``<service>.<topic>``): instances of a service
        share a topic's partitions, and joining one subscription never rebalances the others.
        """

        async def consume(msg: KafkaMessage) -> None:
            await self._consume(topic, handler, msg)

        self.subscriptions.append(topic)

        self._broker.subscriber(
            topic.full_name(self._prefix),
            group_id=f"{self._prefix}{self.group}.{topic.name}",
            ack_policy=AckPolicy.NACK_ON_ERROR,
            auto_offset_reset="earliest",
            title=f"{self.group}:{topic.name}",
            description=topic.description,
        )(consume)

    async def _consume(self, topic: Topic, handler: Handler, msg: KafkaMessage) -> None:
        raw = msg.raw_message
        assert not isinstance(raw, tuple)
        position = (raw.topic, raw.partition, raw.offset)
        try:
            envelope = decode(topic, msg.body)
        except UndecodableMessage as exc:
            await self._dead_letter(msg, exc.reason, attempts=1)
            return
        try:
            await handler(envelope, _delivery(raw))
        except Unprocessable as exc:
            await self._dead_letter(msg, exc.reason, attempts=1)
        except Exception as exc:
            attempts = self._attempts.get(position, 0) + 1
            if is_outage(exc):
                # The database, Temporal or the network is down: the message is fine, so it waits for
                # them (redelivered after the backoff) instead of filling the dead-letter topic.
                self._attempts[position] = attempts
                log.warning("dependency unavailable on %s (attempt %d): %r; will retry", position, attempts, exc)
                await asyncio.sleep(min(self._backoff * attempts, MAX_OUTAGE_BACKOFF_SECONDS))
                raise
            if attempts >= self._max_attempts:
                self._attempts.pop(position, None)
                log.exception("giving up on %s after %d attempts", position, attempts)
                await self._dead_letter(msg, f"failed {attempts} times: {exc!r}", attempts=attempts)
                return
            self._attempts[position] = attempts
            log.warning("handler failed on %s (attempt %d): %r; will retry", position, attempts, exc)
            await asyncio.sleep(self._backoff * attempts)
            raise
        else:
            self._attempts.pop(position, None)

    async def _dead_letter(self, msg: KafkaMessage, reason: str, *, attempts: int) -> None:
        raw = msg.raw_message
        assert not isinstance(raw, tuple)
        letter = DeadLetter.of(
            consumer=self.group,
            reason=reason,
            failed_at=self._clock.now(),
            topic=raw.topic,
            partition=raw.partition,
            offset=raw.offset,
            key=raw.key,
            value=msg.body,
            headers={k: v for k, v in (msg.headers or {}).items() if isinstance(v, str)},
            attempts=attempts,
        )
        log.warning("dead-lettered %s[%d]@%d: %s", raw.topic, raw.partition, raw.offset, reason)
        await self._sender.send(
            [
                Record(
                    self.dead_letter_topic,
                    raw.key,
                    letter.model_dump_json().encode(),
                    {"dead-letter-reason": reason[:500], "source-topic": raw.topic},
                )
            ]
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
    )
