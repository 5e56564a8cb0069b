"""What every service process runs: database, migrations, Kafka consumers, outbox relay, Temporal worker.

A service's composition root (its ``app.py``) builds one ServiceRuntime, registers its handlers,
workflows and routes on it, and hands it to ``build_http_app``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from faststream.kafka import KafkaBroker
from sqlalchemy import text
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from .clock import Clock, SystemClock
from .db.engine import make_engine, make_sessions
from .db.messaging import MessagingTables
from .db.migrate import applied_revisions, head_revisions, upgrade_to_head
from .kafka.broker import make_broker
from .kafka.consumer import EventConsumer, GroupMembership
from .kafka.publisher import BrokerSender
from .kafka.retry import RetryPolicy
from .observability import metrics
from .observability.tracing import instrument_engine, instrument_httpx, tracing_enabled
from .outbox import OutboxRelay, Transactions
from .revocation import RevocationList, follow_revocations
from .rules.rulebook import RuleBook
from .rules.versions import Publisher, Reader, Uploads, follow_rule_versions
from .settings import ServiceSettings
from .temporal import connect_temporal
from .trust.local import service_trust

log = logging.getLogger(__name__)

# Our workflow modules hold definitions only (no state, no side effects at import), so the sandbox may
# share them between runs instead of re-importing them for every workflow it starts — that re-import was
# several milliseconds of CPU per lock. Calls that would break determinism are still refused at run time.
WORKFLOW_RUNNER = SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_all_modules())


def group_membership(settings: ServiceSettings) -> GroupMembership:
    static = f"{settings.topic_prefix}{settings.service_name}-{settings.instance_id}"
    return GroupMembership(
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
        instance=static if settings.kafka_static_membership else None,
    )


class ServiceRuntime:
    def __init__(
        self,
        settings: ServiceSettings,
        *,
        tables: MessagingTables,
        migrations: Path,
        clock: Clock | None = None,
        uses_temporal: bool = True,
        broker: KafkaBroker | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.engine = make_engine(settings.resolved_database_url())
        if tracing_enabled(settings):
            instrument_engine(self.engine)
            instrument_httpx()
        self.sessions = make_sessions(self.engine)
        signer, verifier = service_trust(settings)
        self.signer = signer
        self.transactions = Transactions(
            self.sessions,
            tables,
            producer=settings.service_name,
            topic_prefix=settings.topic_prefix,
            clock=self.clock,
            signer=signer,
        )
        self.broker = broker or make_broker(settings)
        self.sender = BrokerSender(self.broker)
        self.consumer = EventConsumer(
            self.broker,
            self.sender,
            group=settings.service_name,
            topic_prefix=settings.topic_prefix,
            clock=self.clock,
            max_attempts=settings.consumer_max_attempts,
            # SQLite has one writer at a time: side-by-side partitions would only wait for each other.
            concurrency=1 if self.engine.dialect.name == "sqlite" else settings.consumer_concurrency,
            traced=tracing_enabled(settings),
            admission=verifier,
            retry=RetryPolicy(settings.retry_delay_seconds, settings.retry_max_attempts),
            membership=group_membership(settings),
        )
        self.relay = OutboxRelay(self.transactions, self.sender, poll_seconds=settings.outbox_poll_seconds)
        self.rules = RuleBook.load(settings.rules_dir)
        self.revocations = RevocationList()
        follow_revocations(self.broker, settings.topic_prefix, self.revocations)
        self.rule_uploads = Uploads()
        self.rule_publisher = Publisher(settings.service_name, signer, settings.topic_prefix)
        version_reader = Reader(settings.service_name, settings.topic_prefix, verifier, self.sender, self.clock)
        follow_rule_versions(self.broker, version_reader, self.rules, self.rule_uploads)
        self._migrations = migrations
        self._uses_temporal = uses_temporal
        self._temporal: Client | None = None
        self._workflows: Sequence[type] = ()
        self._activities: Sequence[Callable[..., Any]] = ()
        self._worker: Worker | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._jobs: list[tuple[str, Callable[[], Coroutine[Any, Any, None]]]] = []
        self._gauges: Sequence[metrics.GaugeQuery] = ()
        self._expected_revisions: set[str] | None = None

    @property
    def temporal(self) -> Client:
        if self._temporal is None:
            raise RuntimeError("Temporal client is available only after the runtime started")
        return self._temporal

    def run_worker(self, workflows: Sequence[type], activities: Sequence[Callable[..., Any]]) -> None:
        """Host these workflows and activities on the service's task queue once started."""
        self._workflows, self._activities = workflows, activities

    def keep_running(self, name: str, job: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """A loop of the service's own (a reconciler, say), started with the runtime and cancelled when it stops."""
        self._jobs.append((name, job))

    def sample_gauges(self, queries: Sequence[metrics.GaugeQuery]) -> None:
        """Publish these business figures on /metrics, read from the service's tables every few seconds."""
        self._gauges = queries

    async def sample_gauges_now(self) -> None:
        async with self.sessions() as session:
            await metrics.sample(session, self._gauges, self.clock.now())

    async def _sample_gauges_forever(self) -> None:
        while True:
            try:
                await self.sample_gauges_now()
            except Exception:
                # A figure that cannot be read now is read at the next tick; readiness reports the database.
                log.warning("could not sample business gauges", exc_info=True)
            await asyncio.sleep(self.settings.metrics_sample_seconds)

    async def migrate(self) -> None:
        await upgrade_to_head(self.engine, self._migrations)

    async def start(self) -> None:
        if self.settings.migrate_on_start:
            await self.migrate()
        if self._uses_temporal:
            self._temporal = await connect_temporal(self.settings)
            if self._workflows or self._activities:
                self._worker = Worker(
                    self._temporal,
                    task_queue=self.settings.task_queue(),
                    workflows=list(self._workflows),
                    activities=list(self._activities),
                    workflow_runner=WORKFLOW_RUNNER,
                )
                self._tasks.append(asyncio.create_task(self._worker.run(), name="temporal-worker"))
        self._tasks.append(asyncio.create_task(self.relay.run(), name="outbox-relay"))
        self._tasks += [asyncio.create_task(job(), name=name) for name, job in self._jobs]
        if self._gauges:
            self._tasks.append(asyncio.create_task(self._sample_gauges_forever(), name="business-gauges"))
        await self.broker.start()
        log.info("service started", extra={"task_queue": self.settings.task_queue()})

    async def stop(self) -> None:
        await self.broker.stop()
        if self._worker is not None:
            await self._worker.shutdown()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        await self.engine.dispose()

    async def _migrations_check(self) -> str:
        """Where a migration job applies the schema, an instance is not ready before the job is done."""
        try:
            if self._expected_revisions is None:  # the scripts do not change while the process runs: read once
                self._expected_revisions = head_revisions(self._migrations)
            applied, expected = await applied_revisions(self.engine), self._expected_revisions
        except Exception as exc:
            return f"failing: {exc!r}"
        if applied == expected:
            return "ok"
        at = sorted(applied) or "no revision"
        return f"failing: database at {at}, code expects {sorted(expected)}; run the migration job"

    async def health(self) -> dict[str, str]:
        """Each dependency's state; the service is healthy when all say ok."""
        checks: dict[str, str] = {}
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"failing: {exc!r}"
        if not self.settings.migrate_on_start:
            checks["migrations"] = await self._migrations_check()
        checks["kafka"] = "ok" if await self.broker.ping(timeout=2.0) else "failing: no answer"
        if self._uses_temporal:
            try:
                await self.temporal.service_client.check_health(timeout=timedelta(seconds=2))
                checks["temporal"] = "ok"
            except Exception as exc:
                checks["temporal"] = f"failing: {exc!r}"
        return checks
