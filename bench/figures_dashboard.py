"""How long the outcome figures' dashboard takes to answer with 1,000,000 registrations on record.

    .venv/bin/python bench/figures_dashboard.py --registrations 1000000

Seeds the figures' read model in bulk (PostgreSQL COPY, in a database of its own on the shared server,
dropped afterwards): one fact row per registration in ``figure_leads`` and the daily counts those
registrations imply in ``figure_counts`` and ``figure_rollups`` — 60 partners, 31 regions, 3 channels,
3 rule sets in two versions, a year of days, a tenth refused, some closed and expired. Then times the
dashboard the console shows (``OutcomeFigures.report``, the code the API runs): the whole year, and by
partner, region, channel, rule version and month. The baseline, in the same run and database, is what
answering from the records would cost: one GROUP BY over the registrations' rows (partner × outcome).
Times are medians of five.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
from sqlalchemy import text

from referee_registration.figures.measures import SHANGHAI, Count, Dims, LeadFacts, lead_counts
from referee_registration.figures.report import FigureFilters, Grouping, OutcomeFigures, Period
from referee_registration.figures.store import READ_MODEL, rollup_rows
from referee_registration.store import messaging
from referee_shared.clock import SystemClock
from referee_shared.db.engine import make_engine, make_sessions
from referee_shared.outbox import Transactions

SERVER = "postgresql://referee:referee@127.0.0.1:55432"
START = datetime(2025, 12, 1, tzinfo=UTC)
REASONS = ("duplicate", "out_of_region", "cross_region_radius", "tier_channel", "not_qualified")
LARGE = Decimal(1_000_000)


def registrations(n: int, seed: int = 7) -> tuple[list[tuple[Any, ...]], list[Count]]:
    """Fact rows for COPY, and the counts the fold would have made of them."""
    rng = random.Random(seed)
    partners = [f"partner-{i:02d}" for i in range(60)]
    regions = [f"region-{i:02d}" for i in range(31)]
    channels = ("dealer", "agent", "direct")
    rules = [f"{name}@{v}" for name in ("building-materials", "medical-devices", "industrial-goods") for v in (1, 2)]
    rows: list[tuple[Any, ...]] = []
    made: list[Count] = []
    for _ in range(n):
        submitted = START + timedelta(seconds=rng.randrange(365 * 86400))
        facts = LeadFacts(
            str(uuid.UUID(int=rng.getrandbits(128))),
            partner=rng.choice(partners),
            channel=rng.choice(channels),
            region=rng.choice(regions),
            rule_ref=rng.choice(rules),
            submitted_at=submitted,
            decided_at=submitted + timedelta(seconds=2),
        )
        refused = rng.random() < 0.1
        facts.outcome = "rejected" if refused else "accepted"
        facts.reason_code = rng.choice(REASONS) if refused else None
        if not refused and rng.random() < 0.3:
            facts.closed_at = submitted + timedelta(days=rng.randrange(5, 200))
            facts.won, facts.deal_amount = rng.random() < 0.6, Decimal(rng.randrange(10_000, 3_000_000))
        elif not refused and rng.random() < 0.2:
            facts.expired_at = submitted + timedelta(days=90)
        made += lead_counts(facts, large_amount=LARGE)
        rows.append(
            (
                facts.lead_id, facts.partner, facts.channel, facts.region, facts.rule_ref, None, facts.submitted_at,
                facts.decided_at, facts.outcome, facts.reason_code, facts.closed_at, facts.won, facts.deal_amount,
                facts.expired_at, False, sorted(facts.counted).__repr__().replace("'", '"'),
            )
        )  # fmt: skip
    return rows, made


def _dims(dims: Dims) -> tuple[str, str, str, str]:
    return dims.partner, dims.region, dims.channel, dims.rule_ref


async def seed(database: str, n: int) -> None:
    rows, made = registrations(n)
    counts: Counter[tuple[Any, ...]] = Counter()
    totals: dict[tuple[Any, ...], Decimal] = {}
    rolled: Counter[tuple[Any, ...]] = Counter()
    rolled_totals: dict[tuple[Any, ...], Decimal] = {}
    for count in made:
        key = (count.day, *_dims(count.dims), count.measure.value)
        counts[key] += 1
        totals[key] = totals.get(key, Decimal(0)) + count.total
        for row in rollup_rows(count):
            rollup = (row["grain"], row["start"], row["dimension"], row["value"], row["measure"])
            rolled[rollup] += 1
            rolled_totals[rollup] = rolled_totals.get(rollup, Decimal(0)) + count.total
    connection = await asyncpg.connect(f"{SERVER}/{database}")
    try:
        await connection.copy_records_to_table("figure_leads", records=rows)
        await connection.copy_records_to_table(
            "figure_counts",
            records=[(*key, count, totals[key]) for key, count in counts.items()],
            columns=["day", "partner", "region", "channel", "rule_ref", "measure", "count", "total"],
        )
        await connection.copy_records_to_table(
            "figure_rollups",
            records=[(*key, count, rolled_totals[key]) for key, count in rolled.items()],
            columns=["grain", "start", "dimension", "value", "measure", "count", "total"],
        )
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
