"""No transaction stays open across a call to Temporal (issue 12), on PostgreSQL and on the default SQLite.

Every Temporal call of every service goes through a client that refuses to be called while the calling task
holds a database transaction (``calls.py``), so each flow below would be dead-lettered if one of its use cases
still waited for Temporal inside its transaction; on SQLite such a wait used to deadlock with the workflow's
own activities. Each test checks the workflow Temporal ran, and that nothing was dead-lettered.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from temporalio.client import WorkflowExecutionStatus

from referee_dedup.workflows.models import REVIEW_WORKFLOW_KIND as DUPLICATE_REVIEW
from referee_qualification.domain.certificate import certificate_key
from referee_qualification.workflows.models import REVIEW_WORKFLOW_KIND as QUALIFICATION_REVIEW
from referee_registration.workflows.models import LOCK_WORKFLOW_KIND
from referee_settlement.workflows.models import SETTLEMENT_WORKFLOW_KIND
from referee_shared.calls import CallInsideTransaction
from referee_shared.events.common import Channel, CustomerIdentity
from referee_shared.events.leads import DecisionOutcome, LeadSubmitted
from referee_shared.topics import (
    DEALS_CLOSED,
    LEADS_DECISIONS,
    LEADS_SUBMITTED,
    QUALIFICATIONS_SUBMITTED,
)

from ..builders import certificate, customer, deal_closed, deal_reversed, envelope, make_uscc, submission
from ..stack import Stack, new_prefix

pytestmark = pytest.mark.integration

SERVICES = ("registration", "dedup", "qualification", "settlement")


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
async def stack(
    request: pytest.FixtureRequest, infrastructure: None, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    folder: Path = tmp_path_factory.mktemp("sqlite")
    on_sqlite = {s: {"database_url": f"sqlite+aiosqlite:///{folder / f'{s}.db'}"} for s in SERVICES}
    stack = Stack(
        new_prefix(f"calls-{request.param[:2]}"),
        dict.fromkeys(SERVICES, 1),
        service_overrides=on_sqlite if request.param == "sqlite" else {},
    )
    await stack.start()
    yield stack
    assert stack.watcher is not None
    letters = [s for s in stack.watcher.seen if s.topic.startswith(f"{stack.prefix}deadletter.")]
    await stack.stop()
    assert letters == [], [s.value[:300] for s in letters]


async def status_of(stack: Stack, workflow_id: str) -> WorkflowExecutionStatus | None:
    assert stack.temporal is not None
    return (await stack.temporal.get_workflow_handle(workflow_id).describe()).status


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 30) -> None:
    for _ in range(int(seconds * 10)):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {seconds} s")


async def reaches(stack: Stack, workflow_id: str, wanted: WorkflowExecutionStatus) -> None:
    async def there() -> bool:
        try:
            return await status_of(stack, workflow_id) == wanted
        except Exception:  # not started yet
            return False

    await eventually(there)


async def accepted(stack: Stack, lead: LeadSubmitted) -> None:
    await stack.publish(LEADS_SUBMITTED, envelope(lead), key=str(lead.lead_id))
    [decision] = await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == lead.lead_id, timeout=60)
    assert decision.payload.outcome is DecisionOutcome.ACCEPTED, decision.payload.reason


def industrial(partner: str, who: CustomerIdentity) -> LeadSubmitted:
    return submission(partner, who=who, product_line="compressors", channel=Channel.AGENT, amount="200000")


async def test_the_lock_workflow_runs_with_the_acceptance_and_ends_with_the_withdrawal(stack: Stack) -> None:
    lead = industrial("agent-zhao", customer("杭州事务测试撤回有限公司", uscc=make_uscc(uuid.uuid4().int % 10**9)))
    await accepted(stack, lead)
    workflow_id = stack.settings("registration").workflow_id(LOCK_WORKFLOW_KIND, lead.lead_id)
    assert await status_of(stack, workflow_id) is WorkflowExecutionStatus.RUNNING

    await stack.services["registration"][0].sales.withdraw(
        lead.lead_id, "agent-zhao", actor="agent-zhao", reason="customer postponed"
    )

    await reaches(stack, workflow_id, WorkflowExecutionStatus.COMPLETED)


async def test_a_won_deal_completes_the_lock_and_starts_its_settlement_which_a_refund_ends(stack: Stack) -> None:
    lead = industrial("agent-zhao", customer("杭州事务测试成交有限公司", uscc=make_uscc(uuid.uuid4().int % 10**9)))
    await accepted(stack, lead)
    deal_id = f"D-calls-{uuid.uuid4().hex[:8]}"
    won = deal_closed(
        deal_id, lead_id=lead.lead_id, owner="agent-zhao", owner_channel=Channel.AGENT, product_line="compressors"
    )

    await stack.publish(DEALS_CLOSED, envelope(won, producer="erp"), key=deal_id)

    lock = stack.settings("registration").workflow_id(LOCK_WORKFLOW_KIND, lead.lead_id)
    settlement = stack.settings("settlement").workflow_id(SETTLEMENT_WORKFLOW_KIND, deal_id)
    await reaches(stack, lock, WorkflowExecutionStatus.COMPLETED)
    await reaches(stack, settlement, WorkflowExecutionStatus.RUNNING)

    await stack.publish(DEALS_CLOSED, envelope(deal_reversed(deal_id), producer="erp"), key=deal_id)

    await reaches(stack, settlement, WorkflowExecutionStatus.COMPLETED)


async def test_a_qualification_submission_starts_its_review(stack: Stack) -> None:
    submitted = certificate(
        f"agent-calls-{uuid.uuid4().hex[:6]}", number=f"浙杭药监械经营许{uuid.uuid4().int % 10**8}号"
    )

    await stack.publish(QUALIFICATIONS_SUBMITTED, envelope(submitted), key=submitted.partner_id)

    key = certificate_key(
        submitted.partner_id,
        submitted.product_line,
        submitted.certificate_number,
        submitted.valid_from,
        submitted.valid_to,
    )
    await reaches(
        stack, stack.settings("qualification").workflow_id(QUALIFICATION_REVIEW, key), WorkflowExecutionStatus.RUNNING
    )


async def test_a_possible_duplicate_starts_its_review(stack: Stack) -> None:
    name = f"钱塘{uuid.uuid4().int % 10**6}压缩机配件"
    protected = industrial("agent-li", customer(f"杭州{name}有限公司"))
    await accepted(stack, protected)
    bare = industrial("agent-wang", CustomerIdentity(name=name))

    await stack.publish(LEADS_SUBMITTED, envelope(bare), key=str(bare.lead_id))

    [held] = await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == bare.lead_id, timeout=60)
    assert held.payload.outcome is DecisionOutcome.HELD, held.payload.reason
    workflow_id = stack.settings("dedup").workflow_id(DUPLICATE_REVIEW, bare.lead_id)
    await reaches(stack, workflow_id, WorkflowExecutionStatus.RUNNING)


async def test_the_temporal_client_refuses_a_start_inside_a_transaction(stack: Stack) -> None:
    runtime = stack.runtimes["registration"][0]
    async with runtime.transactions.begin():
        with pytest.raises(CallInsideTransaction, match="inside an open database transaction"):
            await runtime.temporal.start_workflow("NoSuchWorkflow", id=f"{stack.prefix}never", task_queue="nowhere")
