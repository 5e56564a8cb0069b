"""A protection period running out frees the customer: someone else's registration is then accepted.

Why this combination: the real Temporal server cannot skip 90 days, and the rule's period is whole
days, so the timeline runs on the time-skipping test server. Everything else is real: the lock
workflow with its real activities, registration's use cases and database (SQLite), and dedup and
qualification answering over faststream's in-memory broker. tests/integration shows the same
release path (withdraw) on the real Kafka, Temporal and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from faststream.kafka import KafkaBroker
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from referee_dedup.app import build_runtime as build_dedup
from referee_dedup.settings import DedupSettings
from referee_qualification.app import build_runtime as build_qualification
from referee_qualification.settings import QualificationSettings
from referee_registration.app import build_runtime as build_registration
from referee_registration.settings import RegistrationSettings
from referee_registration.usecases import RegistrationUseCases
from referee_registration.workflows.activities import LockActivities
from referee_registration.workflows.client import TemporalLockScheduler
from referee_registration.workflows.lead_lock import LeadLockWorkflow
from referee_registration.workflows.models import LOCK_WORKFLOW_KIND
from referee_registration.workflows.steps import LockSteps
from referee_shared.clock import FixedClock
from referee_shared.events.catalog import decode
from referee_shared.events.common import Channel
from referee_shared.events.envelope import Envelope, P, envelope_json
from referee_shared.events.leads import DecisionOutcome, LockChange
from referee_shared.runtime import ServiceRuntime
from referee_shared.topics import LEADS_DECISIONS, LEADS_LOCKS, LEADS_SUBMITTED, Topic

from ..builders import customer, envelope, make_uscc, submission
from ..in_memory import relay_all, serving, watch_topics


@dataclass
class TimeSkippingSystem:
    env: WorkflowEnvironment
    broker: KafkaBroker
    runtimes: list[ServiceRuntime]
    registration: RegistrationUseCases
    settings: RegistrationSettings
    clock: FixedClock
    seen: dict[str, list[bytes]]

    async def publish(self, topic: Topic[P], event: Envelope[P]) -> None:
        now = await self.env.get_current_time()
        self.clock.set(now)
        # The in-memory broker stamps records like LogAppendTime does, from the (skipped) test time.
        await self.broker.publish(envelope_json(event), topic.name, timestamp_ms=int(now.timestamp() * 1000))
        await self.settle()

    async def settle(self) -> None:
        await relay_all(self.runtimes)

    def events(self, topic: Topic[Any]) -> list[Envelope[Any]]:
        return [decode(topic, raw) for raw in self.seen.get(topic.name, [])]


@pytest.fixture
async def system(tmp_path: Path, time_skipping: WorkflowEnvironment) -> AsyncIterator[TimeSkippingSystem]:
    env = time_skipping
    broker = KafkaBroker()
    # The services' clock follows the test server's, which jumps months ahead.
    clock = FixedClock(await env.get_current_time())
    common: dict[str, Any] = {"data_dir": tmp_path, "consumer_max_attempts": 1}
    settings = RegistrationSettings(**common)
    locks = TemporalLockScheduler(lambda: env.client, settings.task_queue())
    registration, use_cases = build_registration(settings, broker=broker, locks=locks, clock=clock)
    runtimes = [
        registration,
        build_dedup(DedupSettings(**common), broker=broker, clock=clock)[0],
        build_qualification(QualificationSettings(**common), broker=broker, clock=clock)[0],
    ]
    seen: dict[str, list[bytes]] = {}
    watch_topics(broker, seen, (LEADS_DECISIONS.name, LEADS_LOCKS.name))
    worker = Worker(
        env.client,
        task_queue=settings.task_queue(),
        workflows=[LeadLockWorkflow],
        activities=LockActivities(LockSteps(registration.transactions)).all(),
    )
    async with worker, serving(broker, runtimes, connect_only=False):
        yield TimeSkippingSystem(env, broker, runtimes, use_cases, settings, clock, seen)


async def until_finished(handle: WorkflowHandle[Any, Any]) -> None:
    for _ in range(100):
        if (await handle.describe()).status is not WorkflowExecutionStatus.RUNNING:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"workflow {handle.id} still running")


async def test_after_the_protection_period_expires_another_partner_registers_the_customer(
    system: TimeSkippingSystem,
) -> None:
    # Industrial goods (120 days, a reminder 14 days before, no territory rule): both agents may register it.
    who = customer("杭州滨江城建开发有限公司", uscc=make_uscc(9001))
    first = submission("agent-zhao", who=who, product_line="compressors", channel=Channel.AGENT)
    await system.publish(LEADS_SUBMITTED, envelope(first))
    [accepted] = system.events(LEADS_DECISIONS)
    assert accepted.payload.outcome is DecisionOutcome.ACCEPTED

    too_early = submission("agent-qian", who=who, product_line="compressors", channel=Channel.AGENT)
    await system.publish(LEADS_SUBMITTED, envelope(too_early))
    assert system.events(LEADS_DECISIONS)[-1].payload.reason_code == "duplicate"

    await system.env.sleep(timedelta(days=121))  # in milliseconds
    handle = system.env.client.get_workflow_handle(system.settings.workflow_id(LOCK_WORKFLOW_KIND, first.lead_id))
    await until_finished(handle)
    system.clock.set(await system.env.get_current_time())
    await system.settle()
    changes = [e.payload.change for e in system.events(LEADS_LOCKS) if e.payload.lead_id == first.lead_id]
    assert changes == [LockChange.GRANTED, LockChange.REMINDER, LockChange.EXPIRED]

    after_expiry = submission("agent-qian", who=who, product_line="compressors", channel=Channel.AGENT)
    await system.publish(LEADS_SUBMITTED, envelope(after_expiry))

    decision = system.events(LEADS_DECISIONS)[-1].payload
    assert (decision.lead_id, decision.outcome) == (after_expiry.lead_id, DecisionOutcome.ACCEPTED)
    bundle = await system.registration.evidence.for_lead(after_expiry.lead_id)
    assert bundle.verification.intact
    assert [r.kind for r in bundle.records] == [
        "registered",
        "decided",
        "registered",
        "decided",
        "lock_ended",
        "registered",
        "decided",
    ]
