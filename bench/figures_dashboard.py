"""How long the outcome figures' dashboard takes to answer with 1,000,000 registrations on record.

    .venv/bin/python bench/figures_dashboard.py --registrations 1000000

Seeds the figures' read model in bulk (PostgreSQL COPY, in a database of its own on the shared server,
dropped afterwards): one fact row per registration in ``figure_leads`` and the daily counts those
registrations imply in ``figure_counts`` and ``figure_rollups`` (made by SQL) — 60 partners, 31 regions, 3 channels,
3 rule sets in two versions, a year of days, a tenth refused, some closed and expired. Then times the
dashboard the console shows (``OutcomeFigures.report``, the code the API runs): the whole year, and by
partner, region, channel, rule version and month. The baseline, in the same run and database, is what
answering from the records would cost: one GROUP BY over the registrations' rows (partner × outcome).
Times are medians of five.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
from sqlalchemy import text

from referee_registration.figures.measures import SHANGHAI
from referee_registration.figures.report import FigureFilters, Grouping, OutcomeFigures, Period
from referee_registration.figures.store import READ_MODEL
from referee_registration.store import messaging
from referee_shared.clock import SystemClock
from referee_shared.db.engine import make_engine, make_sessions
from referee_shared.outbox import Transactions

SERVER = "postgresql://referee:referee@127.0.0.1:55432"
START = datetime(2025, 12, 1, tzinfo=UTC)
REASONS = ("duplicate", "out_of_region", "cross_region_radius", "tier_channel", "not_qualified")
LARGE = Decimal(1_000_000)


# The registrations, made by the database itself (a million rows through Python would take longer than
# the measurement): a deterministic spread over partners, regions, channels, rule versions and a year.
LEADS = """
INSERT INTO figure_leads (lead_id, partner, channel, region, rule_ref, submitted_at, decided_at, outcome,
                          reason_code, closed_at, won, deal_amount, expired_at, followed_up, counted)
SELECT md5(i::text)::uuid::text,
       'partner-' || lpad((i % 60)::text, 2, '0'),
       (ARRAY['dealer', 'agent', 'direct'])[1 + (i / 7) % 3],
       'region-' || lpad(((i / 3) % 31)::text, 2, '0'),
       (ARRAY['building-materials@1', 'building-materials@2', 'medical-devices@1', 'medical-devices@2',
              'industrial-goods@1', 'industrial-goods@2'])[1 + (i / 11) % 6],
       at, at + interval '2 seconds',
       CASE WHEN i % 10 = 0 THEN 'rejected' ELSE 'accepted' END,
       CASE WHEN i % 10 = 0 THEN (ARRAY['duplicate', 'out_of_region', 'cross_region_radius', 'tier_channel',
                                        'not_qualified'])[1 + (i / 10) % 5] END,
       CASE WHEN i % 10 <> 0 AND i % 3 = 0 THEN at + ((5 + i % 195) || ' days')::interval END,
       CASE WHEN i % 10 <> 0 AND i % 3 = 0 THEN i % 5 < 3 END,
       CASE WHEN i % 10 <> 0 AND i % 3 = 0 THEN 10000 + (i * 7919) % 2990000 END,
       CASE WHEN i % 10 <> 0 AND i % 3 <> 0 AND i % 5 = 1 THEN at + interval '90 days' END,
       false, '[]'
FROM (SELECT i, timestamptz '2025-12-01 00:00+00' + ((i * 104729) % 31536000) * interval '1 second' AS at
      FROM generate_series(1::bigint, $1::bigint) AS i) AS made
"""

# The counts the fold makes of those registrations (measures.lead_counts), summed per day and dimensions.
COUNTS = """
INSERT INTO figure_counts (day, partner, region, channel, rule_ref, measure, count, total)
SELECT (at AT TIME ZONE 'Asia/Shanghai')::date, partner, region, channel, rule_ref, measure, count(*), sum(total)
FROM (
  SELECT decided_at AS at, partner, region, channel, rule_ref, 'decided' AS measure, 0::numeric AS total
    FROM figure_leads
  UNION ALL SELECT decided_at, partner, region, channel, rule_ref, 'locks_granted', 0
    FROM figure_leads WHERE outcome = 'accepted'
  UNION ALL SELECT decided_at, partner, region, channel, rule_ref,
         CASE WHEN reason_code = 'duplicate' THEN 'refused_duplicate'
              WHEN reason_code IN ('out_of_region', 'cross_region_radius') THEN 'refused_cross_region'
              WHEN reason_code = 'tier_channel' THEN 'refused_tier' ELSE 'refused_other' END, 0
    FROM figure_leads WHERE outcome = 'rejected'
  UNION ALL SELECT closed_at, partner, region, channel, rule_ref, 'closed',
         extract(epoch FROM closed_at - submitted_at) / 86400
    FROM figure_leads WHERE closed_at IS NOT NULL
  UNION ALL SELECT closed_at, partner, region, channel, rule_ref, 'large_closed', 0
    FROM figure_leads WHERE deal_amount >= 1000000
  UNION ALL SELECT closed_at, partner, region, channel, rule_ref, 'large_won', 0
    FROM figure_leads WHERE deal_amount >= 1000000 AND won
  UNION ALL SELECT expired_at, partner, region, channel, rule_ref, 'locks_expired_unfollowed', 0
    FROM figure_leads WHERE expired_at IS NOT NULL
) AS made
GROUP BY 1, 2, 3, 4, 5, 6
"""

ROLLUP = """
INSERT INTO figure_rollups (grain, start, dimension, value, measure, count, total)
SELECT '{grain}', {start}, '{dimension}', {value}, measure, sum(count), sum(total)
FROM figure_counts GROUP BY 2, 4, 5
"""
DIMENSIONS = {"all": "'all'", "partner": "partner", "region": "region", "channel": "channel"}
DIMENSIONS["rule_version"] = "rule_ref"
GRAINS = {"d": "day", "m": "date_trunc('month', day)::date"}


async def seed(database: str, n: int) -> None:
    connection = await asyncpg.connect(f"{SERVER}/{database}")
    try:
        await connection.execute(LEADS, n)
        await connection.execute(COUNTS)
        for grain, start in GRAINS.items():
            for dimension, value in DIMENSIONS.items():
                await connection.execute(ROLLUP.format(grain=grain, start=start, dimension=dimension, value=value))
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


async def median_seconds(run: Callable[[], Awaitable[object]], repeat: int = 5) -> float:
    await run()  # warm the caches and the connection pool
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def main(n: int) -> None:
    database = f"bench_figures_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(f"{SERVER}/postgres")
    await admin.execute(f'CREATE DATABASE "{database}"')
    engine = make_engine(f"{SERVER.replace('postgresql://', 'postgresql+asyncpg://')}/{database}")
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda sync: [t.__table__.create(sync) for t in READ_MODEL])  # type: ignore[attr-defined]
        started = time.perf_counter()
        await seed(database, n)
        seeded = time.perf_counter() - started
        figures = OutcomeFigures(
            Transactions(make_sessions(engine), messaging, producer="bench", topic_prefix="", clock=SystemClock())
        )
        today = START.astimezone(SHANGHAI).date() + timedelta(days=365)
        first = START.astimezone(SHANGHAI).date()

        async def dashboard() -> None:
            for group_by, period in (
                (None, Period.ALL),
                (Grouping.PARTNER, Period.ALL),
                (Grouping.REGION, Period.ALL),
                (Grouping.CHANNEL, Period.ALL),
                (Grouping.RULE_VERSION, Period.ALL),
                (None, Period.MONTH),
            ):
                await figures.report(
                    since=first, until=today, period=period, group_by=group_by, split_at=None, filters=FigureFilters()
                )

        async def scan() -> None:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT partner, outcome, count(*) FROM figure_leads GROUP BY 1, 2"))

        answer = await median_seconds(dashboard)
        baseline = await median_seconds(scan)
        async with engine.connect() as connection:
            buckets = (await connection.execute(text("SELECT count(*) FROM figure_counts"))).scalar_one()
            rollups = (await connection.execute(text("SELECT count(*) FROM figure_rollups"))).scalar_one()
        print(f"registrations on record: {n:,} (seeded in {seeded:.1f} s; {buckets:,} count rows, {rollups:,} rollups)")
        print(
            f"dashboard (6 reports: total, by partner, region, channel, rule version, by month): {answer * 1000:.1f} ms"
        )
        print(f"baseline (one GROUP BY over the registrations' rows): {baseline * 1000:.1f} ms")
        print(f"ratio dashboard / baseline: {answer / baseline:.3f}")
    finally:
        await engine.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--registrations", type=int, default=1_000_000)
    asyncio.run(main(parser.parse_args().registrations))
