"""Exactly one registration wins a customer, on the real Kafka, Temporal and PostgreSQL, when 500 submissions
from 50 partners arrive at once and two instances each of registration and dedup are running."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from temporalio.client import WorkflowExecutionStatus

from referee_registration.workflows.models import LOCK_WORKFLOW_KIND
from referee_shared.events.catalog import decode
from referee_shared.events.common import Channel
from referee_shared.events.leads import DecisionOutcome, LockChange
from referee_shared.topics import LEADS_DECISIONS, LEADS_LOCKS, LEADS_SUBMITTED

from ..builders import customer, envelope, make_uscc, submission
from ..stack import Stack, new_prefix

pytestmark = pytest.mark.integration

PARTNERS = [f"agent-{n:03d}" for n in range(1, 51)]
PER_PARTNER = 10


@pytest.fixture(scope="module")
async def crowded(infrastructure: None) -> AsyncIterator[Stack]:
    stack = Stack(new_prefix("first-wins"), {"registration": 2, "dedup": 2, "qualification": 1})
    await stack.start()
    yield stack
    await stack.stop()


async def test_five_hundred_simultaneous_claims_from_fifty_partners_accept_exactly_one(crowded: Stack) -> None:
    code = make_uscc(424242)
    # The same customer (same USCC) written the ways fifty portals might write it.
    names = ["杭州压缩机械有限公司", "杭州压缩机械", "杭州压缩机械有限公司 ", "杭州压缩机械(有限公司)"]
    claims = [
        submission(
            partner,
            who=customer(names[(i + n) % len(names)], uscc=code),
            product_line="compressors",
            channel=Channel.AGENT,
            amount="120000",
        )
        for i, partner in enumerate(PARTNERS)
        for n in range(PER_PARTNER)
    ]
    assert len(claims) == 500

    await asyncio.gather(*(crowded.publish(LEADS_SUBMITTED, envelope(c), key=str(c.lead_id)) for c in claims))

    assert crowded.watcher is not None
    keys = {str(c.lead_id).encode() for c in claims}
    seen = await crowded.watcher.wait_for(
        crowded.topic(LEADS_DECISIONS), lambda s: s.key in keys, count=len(claims), timeout=240
    )
    decisions = {d.payload.lead_id: d.payload for d in (decode(LEADS_DECISIONS, s.value) for s in seen)}
    assert len(decisions) == 500  # one decision per claim, none twice

    outcomes = Counter((d.outcome, d.reason_code) for d in decisions.values())
    assert outcomes == {
        (DecisionOutcome.ACCEPTED, "first_valid_claim"): 1,
        (DecisionOutcome.REJECTED, "duplicate"): 499,
    }
    [winner] = [d for d in decisions.values() if d.outcome is DecisionOutcome.ACCEPTED]
    assert winner.lock is not None
    losers = [d for d in decisions.values() if d.outcome is DecisionOutcome.REJECTED]
    assert {d.protected_until for d in losers} == {winner.lock.expires_at}
    assert not any(winner.partner_id in d.reason for d in losers)

    granted = [
        e
        for e in crowded.all_events(LEADS_LOCKS)
        if e.payload.change is LockChange.GRANTED and e.payload.lead_id in decisions
    ]
    assert len(granted) == 1
    assert crowded.temporal is not None
    settings = crowded.settings("registration")
    running = crowded.temporal.get_workflow_handle(settings.workflow_id(LOCK_WORKFLOW_KIND, winner.lead_id))
    assert (await running.describe()).status is WorkflowExecutionStatus.RUNNING
    started = [
        w
        async for w in crowded.temporal.list_workflows(
            f"WorkflowType = 'LeadLock' AND TaskQueue = '{settings.task_queue()}'"
        )
    ]
    assert len(started) == 1
    assert crowded.watcher is not None
    letters = [s for s in crowded.watcher.seen if s.topic.startswith(crowded.prefix + "deadletter.")]
    assert letters == []
