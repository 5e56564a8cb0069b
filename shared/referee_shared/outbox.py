"""The transactional outbox: an event is written in the same transaction as the change that implies it,
and a relay publishes it afterwards, so the database and the topics cannot diverge."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any
from uuid import UUID

import structlog
from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .calls import transaction_open
from .clock import Clock
from .db.messaging import MessagingTables
from .events.envelope import Envelope, P, envelope_json, new_envelope
from .kafka.publisher import Record, RecordSender
from .observability.metrics import EVENTS_PUBLISHED
from .observability.tracing import inject_context
from .topics import Topic
from .trust.signing import Signer

log = logging.getLogger(__name__)


class Transaction:
    """One database transaction of a service, able to record outgoing events and processed ones."""

    def __init__(
        self,
        session: AsyncSession,
        tables: MessagingTables,
        producer: str,
        topic_prefix: str,
        clock: Clock,
        signer: Signer | None = None,
    ) -> None:
        self.session = session
        self._signer = signer
        self._tables = tables
        self._producer = producer
        self._prefix = topic_prefix
        self.clock = clock
        self.emitted: list[Envelope[Any]] = []
        self._outbox_rows: list[dict[str, Any]] = []

    async def processed(self, consumer: str, event_id: UUID) -> bool:
        """Whether ``consumer`` already processed ``event_id``, without recording anything."""
        table = self._tables.processed_events
        query = select(table.c.event_id).where(table.c.consumer == consumer, table.c.event_id == event_id)
        return (await self.session.execute(query)).first() is not None

    async def first_time(self, consumer: str, event_id: UUID) -> bool:
        """Record that ``consumer`` processed ``event_id``; False if it already had (a redelivery)."""
        table = self._tables.processed_events
        values = {"consumer": consumer, "event_id": event_id, "processed_at": self.clock.now()}
        dialect = self.session.get_bind().dialect.name
        statement: Any
        if dialect == "postgresql":
            statement = pg_insert(table).values(**values).on_conflict_do_nothing()
        elif dialect == "sqlite":
            statement = sqlite_insert(table).values(**values).on_conflict_do_nothing()
        else:  # pragma: no cover - only the two supported databases
            raise RuntimeError(f"unsupported database {dialect}")
        result = await self.session.execute(statement)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def emit(
        self, topic: Topic[P], key: str | None, payload: P, *, correlation_id: str | None = None
    ) -> Envelope[P]:
        """Queue an event for publishing once this transaction commits; mypy checks ``payload`` against ``topic``."""
        envelope = new_envelope(
            payload,
            producer=self._producer,
            occurred_at=self.clock.now(),
            correlation_id=correlation_id or current_correlation_id(),
        )
        if self._signer is not None:
            envelope = self._signer.sign(envelope)
        self._outbox_rows.append(
            {
                "event_id": envelope.event_id,
                "topic": topic.full_name(self._prefix),
                "key": key,
                "value": envelope_json(envelope),
                "headers": _headers(envelope),
                "created_at": envelope.occurred_at,
            }
        )
        self.emitted.append(envelope)
        return envelope

    async def write_outbox(self) -> None:
        """Write the queued events in one statement, just before the commit (one round trip, not one each)."""
        if self._outbox_rows:
            await self.session.execute(insert(self._tables.outbox), self._outbox_rows)
            self._outbox_rows = []


def _headers(envelope: Envelope[Any]) -> dict[str, str]:
    headers = {
        "event-id": str(envelope.event_id),
        "event-type": envelope.type,
        "schema-version": str(envelope.schema_version),
        "correlation-id": envelope.correlation_id,
        "producer": envelope.producer,
    }
    inject_context(headers)  # the consumer's span becomes a child of the one that queued the event
    return headers


def current_correlation_id() -> str | None:
    """The correlation id of the request or message being handled (bound by the access log or consumer)."""
    value = structlog.contextvars.get_contextvars().get("correlation_id")
    return value if isinstance(value, str) else None


class Transactions:
    """Opens transactions and wakes the relay when one that emitted events commits."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        tables: MessagingTables,
        *,
        producer: str,
        topic_prefix: str,
        clock: Clock,
        signer: Signer | None = None,
    ) -> None:
        self.sessions = sessions
        self.signer = signer
        self.tables = tables
        self.producer = producer
        self.topic_prefix = topic_prefix
        self.clock = clock
        self.committed = asyncio.Event()

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[Transaction]:
        async with self.sessions() as session, session.begin():
            tx = Transaction(session, self.tables, self.producer, self.topic_prefix, self.clock, self.signer)
            with transaction_open():
                yield tx
                await tx.write_outbox()
        if tx.emitted:
            self.committed.set()


class OutboxRelay:
    """Publishes outbox rows in id order and marks them published; safe to run in several instances."""

    def __init__(
        self, transactions: Transactions, sender: RecordSender, *, poll_seconds: float, batch_size: int = 500
    ) -> None:
        self._tx = transactions
        self._sender = sender
        self._poll_seconds = poll_seconds
        self._batch_size = batch_size

    async def publish_pending(self) -> int:
        """Publish one batch of unpublished events; returns how many were published."""
        table = self._tx.tables.outbox
        async with self._tx.sessions() as session, session.begin():
            query = (
                select(table.c.id, table.c.topic, table.c.key, table.c.value, table.c.headers)
                .where(table.c.published_at.is_(None))
                .order_by(table.c.id)
                .limit(self._batch_size)
                .with_for_update(skip_locked=True)
            )
            rows = (await session.execute(query)).all()
            if not rows:
                return 0
            await self._sender.send(
                [Record(row.topic, row.key.encode() if row.key else None, row.value, dict(row.headers)) for row in rows]
            )
            await session.execute(
                update(table).where(table.c.id.in_([row.id for row in rows])).values(published_at=self._tx.clock.now())
            )
        for row in rows:
            self._log_published(row.topic, row.key, dict(row.headers))
        return len(rows)

    def _log_published(self, topic: str, key: str | None, headers: dict[str, str]) -> None:
        """Every business event (decision made, lock expired, ruling applied, statement issued...) is one log line
        with its ids, which is what a support person searches for."""
        event_type = headers.get("event-type", "")
        EVENTS_PUBLISHED.labels(self._tx.producer, topic, event_type).inc()
        log.info(
            "event published",
            extra={
                "event_type": event_type,
                "event_id": headers.get("event-id"),
                "correlation_id": headers.get("correlation-id"),
                "topic": topic,
                "key": key,
            },
        )

    async def run(self) -> None:
        """Publish until cancelled: straight after a commit that emitted, or every poll interval."""
        while True:
            self._tx.committed.clear()
            try:
                while await self.publish_pending():
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:  # a broker or database outage: keep the rows and try again later
                log.exception("outbox relay failed; retrying")
            with suppress(TimeoutError):
                await asyncio.wait_for(self._tx.committed.wait(), timeout=self._poll_seconds)
