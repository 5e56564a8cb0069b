"""Reading Referee's outbound topics: verified, typed, each event handed over once per delivery.

Delivery is at least once: after a restart an event can come again with the same ``event_id``; keep
the ids you handled (in the same transaction as what you did) and skip repeats. A message that does
not verify or that this kit cannot read goes to ``on_rejected`` and the consumer carries on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord

from .contract import Envelope
from .events import UnreadableEvent, read_event
from .signing import SignatureRefused, Verifier

log = logging.getLogger(__name__)

Handler = Callable[[Envelope], Awaitable[None]]
Rejected = Callable[["ConsumerRecord[Any, Any]", str, str], Awaitable[None]]


async def _log_rejection(record: ConsumerRecord[Any, Any], code: str, detail: str) -> None:
    log.warning("skipped %s[%d]@%d: %s: %s", record.topic, record.partition, record.offset, code, detail)


class RefereeConsumer:
    """Consumes ``topics`` (names from the contract) in consumer group ``group_id``, from the earliest record."""

    def __init__(
        self,
        bootstrap_servers: str,
        topics: Iterable[str],
        group_id: str,
        verifier: Verifier,
        *,
        topic_prefix: str = "",
        on_rejected: Rejected = _log_rejection,
        **kafka: Any,
    ) -> None:
        self._verifier = verifier
        self._on_rejected = on_rejected
        self._consumer = AIOKafkaConsumer(
            *(f"{topic_prefix}{t}" for t in topics),
            bootstrap_servers=bootstrap_servers,
            group_id=group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **kafka,
        )
        self._stopping = asyncio.Event()

    def decode(self, raw: bytes | None) -> Envelope:
        """The verified, typed event of one record's value; SignatureRefused or UnreadableEvent otherwise."""
        if raw is None:
            raise UnreadableEvent("tombstone", "a record without a value")
        return read_event(self._verifier.check(raw))

    async def run(self, handler: Handler) -> None:
        """Hand every event to ``handler``; commit after each batch is handled. Returns after ``stop()``.

        A handler that raises stops the consumer without committing: the batch comes again on restart.
        """
        await self._consumer.start()
        try:
            while not self._stopping.is_set():
                batches = await self._consumer.getmany(timeout_ms=200)
                for records in batches.values():
                    for record in records:
                        try:
                            event = self.decode(record.value)
                        except (SignatureRefused, UnreadableEvent) as exc:
                            await self._on_rejected(record, exc.code, str(exc))
                            continue
                        await handler(event)
                if batches:
                    await self._consumer.commit()
        finally:
            await self._consumer.stop()

    def stop(self) -> None:
        self._stopping.set()
