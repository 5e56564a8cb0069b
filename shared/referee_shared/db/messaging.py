"""Tables every service keeps beside its own: the transactional outbox and the processed-events guard."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Uuid,
)

from .base import UtcDateTime


@dataclass(frozen=True)
class MessagingTables:
    outbox: Table
    processed_events: Table


def add_messaging_tables(metadata: MetaData) -> MessagingTables:
    """Declare the outbox and processed-events tables on a service's metadata (one call per service)."""
    outbox = Table(
        "outbox",
        metadata,
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
        Column("event_id", Uuid, nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("key", String(200), nullable=True),
        Column("value", LargeBinary, nullable=False),
        Column("headers", JSON, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("published_at", UtcDateTime(), nullable=True),
    )
    Index("ix_outbox_unpublished", outbox.c.published_at, outbox.c.id)
    processed = Table(
        "processed_events",
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("event_id", Uuid, primary_key=True),
        Column("processed_at", UtcDateTime(), nullable=False),
    )
    return MessagingTables(outbox=outbox, processed_events=processed)
