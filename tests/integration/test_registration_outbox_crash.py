"""A registration instance that dies after writing to its database but before publishing loses nothing: the
next instance's outbox relay publishes what was committed, once, and the registration is decided."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from referee_registration.app import build_runtime
from referee_registration.settings import RegistrationSettings
from referee_shared.events.leads import DecisionOutcome
from referee_shared.kafka.publisher import Record
from referee_shared.outbox import OutboxRelay
from referee_shared.runtime import ServiceRuntime
from referee_shared.topics import LEADS_DECISIONS, LEADS_SUBMITTED, QUALIFICATION_CHECKS

from ..builders import customer, envelope, make_uscc, submission
from ..stack import Stack, new_prefix

pytestmark = pytest.mark.integration


class BrokerUnreachable:
    """A sender that never gets a record out: the instance dies before its relay publishes anything."""

    async def send(self, records: list[Record]) -> None:
        raise ConnectionError("broker unreachable")


@pytest.fixture(scope="module")
async def crash_stack(infrastructure: None) -> AsyncIterator[Stack]:
    # No registration instance of the stack's own: the test starts (and kills) them itself.
    stack = Stack(new_prefix("outbox-crash"), {"registration": 0, "dedup": 1, "qualification": 1})
    await stack.start()
    yield stack
    await stack.stop()


async def unpublished(runtime: ServiceRuntime) -> int:
    outbox = runtime.transactions.tables.outbox
    async with runtime.sessions() as session:
        query = select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
        return int((await session.execute(query)).scalar_one())


async def test_a_crash_between_the_database_write_and_the_publish_loses_nothing(crash_stack: Stack) -> None:
    settings = crash_stack.settings("registration")
    assert isinstance(settings, RegistrationSettings)
    doomed, _ = build_runtime(settings)
    doomed.relay = OutboxRelay(doomed.transactions, BrokerUnreachable(), poll_seconds=0.1)
    await doomed.start()
    lead = submission("dealer-hangzhou", who=customer("杭州断电客户有限公司", uscc=make_uscc(4001)))

    await crash_stack.publish(LEADS_SUBMITTED, envelope(lead), key=str(lead.lead_id))
    for _ in range(150):  # the handler committed the lead and its outgoing check, which never left
        if await unpublished(doomed):
            break
        await asyncio.sleep(0.1)
    await doomed.stop()  # the crash
    assert crash_stack.all_events(QUALIFICATION_CHECKS) == []

    successor, _ = build_runtime(settings.model_copy(update={"instance_id": "2"}))
    await successor.start()
    try:
        [decision] = await crash_stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == lead.lead_id)
        assert decision.payload.outcome is DecisionOutcome.ACCEPTED
        checks = [e for e in crash_stack.all_events(QUALIFICATION_CHECKS) if e.payload.lead_id == lead.lead_id]
        assert len(checks) == 1  # published once, and the submission was not processed a second time
        # The relay marks rows published in the transaction that sent them, a moment after the send.
        for _ in range(50):
            if await unpublished(successor) == 0:
                break
            await asyncio.sleep(0.1)
        assert await unpublished(successor) == 0
    finally:
        await successor.stop()
