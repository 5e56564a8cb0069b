"""How fast qualification answers a registration's check from its own store.

Seeds a store with many partners' certificates, then times the whole check use case (redelivery guard,
the partner's certificates for the line, the gate, the verdict into the outbox) against a baseline
measured in the same run: the same transaction without the lookup and the gate (guard and verdict only).

    .venv/bin/python bench/qualification_gate.py                 # SQLite file
    .venv/bin/python bench/qualification_gate.py --postgres      # a scratch database on the test PostgreSQL
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import asyncpg
from faststream.kafka import KafkaBroker

from referee_qualification.app import build_runtime
from referee_qualification.domain.certificate import certificate_key
from referee_qualification.settings import QualificationSettings
from referee_qualification.store import Qualification
from referee_qualification.usecases import CONSUMER
from referee_qualification.workflows.models import ReviewInput, ValidityInput
from referee_shared.events.checks import QualificationCheckRequested, QualificationVerdict
from referee_shared.events.envelope import new_envelope
from referee_shared.topics import QUALIFICATION_VERDICTS

LINES = ("orthopaedics", "cardiology", "respiratory")
STATUSES = ("approved", "approved", "expired", "pending", "rejected")
POSTGRES = os.environ.get("REFEREE_TEST_POSTGRES", "postgresql://referee:referee@127.0.0.1:55432")


class NoReviews:
    async def start_review(self, workflow_id: str, review: ReviewInput) -> None: ...
    async def start_validity(self, workflow_id: str, validity: ValidityInput) -> None: ...
    async def end_validity(self, workflow_id: str, reason: str) -> None: ...


def certificates(partners: int, now: datetime) -> list[Qualification]:
    rows, today = [], now.date()
    for p in range(partners):
        for i, line in enumerate(LINES):
            status = STATUSES[(p + i) % len(STATUSES)]
            valid_from, valid_to = (
                today - timedelta(days=400),
                today + timedelta(days=300 if status != "expired" else -30),
            )
            number = f"CERT-{p}-{line}"
            rows.append(
                Qualification(
                    submission_id=uuid4(),
                    partner_id=f"agent-{p}",
                    product_line=line,
                    name=f"{line}-distribution",
                    certificate_number=number,
                    certificate_key=certificate_key(f"agent-{p}", line, number, valid_from, valid_to),
                    issuer="NMPA",
                    valid_from=valid_from,
                    valid_to=valid_to,
                    scope={"regions": [], "product_categories": []},
                    document_sha256="0" * 64,
                    status=status,
                    submitted_at=now,
                )
            )
    return rows


async def timed(samples: int, call: Callable[[int], Awaitable[None]]) -> list[float]:
    durations = []
    for n in range(samples):
        started = time.perf_counter()
        await call(n)
        durations.append((time.perf_counter() - started) * 1000)
    return durations


def summary(name: str, ms: list[float]) -> str:
    ordered = sorted(ms)
    p99 = ordered[int(len(ordered) * 0.99) - 1]
    return f"{name:<34} mean {statistics.fmean(ms):7.3f} ms   p50 {statistics.median(ms):7.3f} ms   p99 {p99:7.3f} ms"


async def run(database_url: str, data_dir: Path, partners: int, samples: int) -> None:
    settings = QualificationSettings(data_dir=data_dir, database_url=database_url, topic_prefix="bench.")
    runtime, qualifications = build_runtime(settings, broker=KafkaBroker(), reviews=NoReviews())
    await runtime.migrate()
    now = datetime.now(UTC)
    rows = certificates(partners, now)
    for start in range(0, len(rows), 5000):
        async with runtime.sessions() as session, session.begin():
            session.add_all(rows[start : start + 5000])
    print(f"store: {len(rows)} certificates of {partners} partners on {runtime.engine.dialect.name}")

    def request(n: int) -> QualificationCheckRequested:
        return QualificationCheckRequested(
            lead_id=uuid4(), partner_id=f"agent-{(n * 7919) % partners}", product_line=LINES[n % 3], received_at=now
        )

    async def baseline(n: int) -> None:
        asked = request(n)
        async with runtime.transactions.begin() as tx:
            await tx.first_time(CONSUMER, uuid4())
            verdict = QualificationVerdict(
                lead_id=asked.lead_id,
                partner_id=asked.partner_id,
                product_line=asked.product_line,
                qualified=True,
                reason_code="qualified",
                reason="baseline",
                rule_set="medical-devices",
                rule_version=1,
            )
            await tx.emit(QUALIFICATION_VERDICTS, str(asked.lead_id), verdict)

    async def check(n: int) -> None:
        await qualifications.check(new_envelope(request(n), producer="bench", occurred_at=now))

    await timed(200, check)  # warm-up: caches, prepared statements
    base, checked = [], []
    for _ in range(5):  # interleaved rounds, so machine noise hits both alike
        base += await timed(samples // 5, baseline)
        checked += await timed(samples // 5, check)
    print(summary("baseline (guard + verdict only)", base))
    print(summary("qualification check (full)", checked))
    print(f"check / baseline (median): {statistics.median(checked) / statistics.median(base):.2f}x")
    await runtime.engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--partners", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=2_000)
    parser.add_argument("--postgres", action="store_true", help="use a scratch database on the test PostgreSQL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        if not args.postgres:
            await run("", Path(scratch), args.partners, args.samples)
            return
        name = f"bench_qualification_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(f"{POSTGRES}/postgres")
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = f"{POSTGRES.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
            await run(url, Path(scratch), args.partners, args.samples)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
