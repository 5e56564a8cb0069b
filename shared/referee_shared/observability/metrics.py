"""The Prometheus metrics every service exposes on ``/metrics``.

Message-level metrics are counted where messages are handled (the shared consumer and outbox relay);
business figures (open locks, open tasks, decisions) are read from each service's own tables by a few
SQL queries that the runtime samples periodically, so no use case carries counting code and the
figures survive restarts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from ..db.base import UtcDateTime

HANDLER_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

MESSAGES = Counter(
    "referee_messages",
    "Kafka records a service finished with, by outcome (processed, dead_lettered) or put back (retried).",
    ["service", "topic", "outcome"],
)
DEAD_LETTERS = Counter(
    "referee_dead_letters",
    "Records sent to a dead-letter topic, by the reason's leading code.",
    ["service", "topic", "reason"],
)
HANDLER_SECONDS = Histogram(
    "referee_handler_seconds",
    "Time a handler spent on one record (decoding included), by topic.",
    ["service", "topic"],
    buckets=HANDLER_BUCKETS,
)
CONSUMER_LAG = Gauge(
    "referee_consumer_lag",
    "Records on a partition that a subscription has not committed yet (high watermark - committed).",
    ["service", "topic", "partition"],
)
EVENTS_PUBLISHED = Counter(
    "referee_events_published",
    "Events the outbox relay published, by topic and event type.",
    ["service", "topic", "type"],
)

_REASON_HEAD = re.compile(r"[A-Za-z_ ]+")


def reason_code(reason: str) -> str:
    """A short, bounded label for a free-text reason: its leading words (``not JSON: …`` -> ``not_json``)."""
    head = _REASON_HEAD.match(reason.strip())
    words = head.group(0).strip().lower().split() if head else []
    return "_".join(words)[:40] or "other"


@dataclass(frozen=True)
class GaugeQuery:
    """A business figure read from the service's own tables: ``sql`` returns the label columns, then the value.

    ``:now`` is bound to the service clock's time, for figures such as "overdue".
    """

    name: str
    description: str
    sql: str
    labels: Sequence[str] = field(default_factory=tuple)


_gauges: dict[str, Gauge] = {}


def _gauge(query: GaugeQuery) -> Gauge:
    # Several services (or test stacks) share one process and one registry: one gauge per name.
    if query.name not in _gauges:
        _gauges[query.name] = Gauge(query.name, query.description, list(query.labels))
    return _gauges[query.name]


async def sample(session: AsyncSession, queries: Sequence[GaugeQuery], now: datetime) -> None:
    """Run every query and replace its gauge's series with the rows it returned."""
    for query in queries:
        statement = text(query.sql)
        params: dict[str, Any] = {}
        if ":now" in query.sql:
            statement = statement.bindparams(bindparam("now", type_=UtcDateTime()))
            params["now"] = now
        rows = (await session.execute(statement, params)).all()
        gauge = _gauge(query)
        gauge.clear()
        if not query.labels:
            gauge.set(float(rows[0][0] or 0) if rows else 0.0)
            continue
        for row in rows:
            *labels, value = row
            gauge.labels(*(_label(v) for v in labels)).set(float(value or 0))


def _label(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def exposition(extra: Mapping[str, CollectorRegistry] | None = None) -> bytes:
    """The text exposition of the process-wide registry and any per-app registries."""
    parts = [generate_latest(REGISTRY)]
    parts.extend(generate_latest(registry) for registry in (extra or {}).values())
    return b"".join(parts)
