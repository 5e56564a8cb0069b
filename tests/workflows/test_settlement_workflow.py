"""The settlement of a deal on Temporal's time-skipping server: approval deadlines, reminders and
escalation in milliseconds, with the real steps writing to a SQLite database and outbox."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from faststream.kafka import KafkaBroker
from sqlalchemy import select
from temporalio import activity
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from referee_settlement.app import build_runtime
from referee_settlement.settings import SettlementSettings
from referee_settlement.store import messaging
from referee_settlement.usecases import Settlement
from referee_settlement.workflows.activities import SettlementActivities
from referee_settlement.workflows.client import TemporalSettlementWorkflows
from referee_settlement.workflows.models import SETTLEMENT_WORKFLOW_KIND, SettlementState, TaskRef
from referee_settlement.workflows.settlement import SettlementWorkflow
from referee_settlement.workflows.steps import Statements
from referee_shared.events.catalog import decode
from referee_shared.events.common import Channel
from referee_shared.events.envelope import Envelope, Payload
from referee_shared.events.settlements import SettlementStatement, StatementKind
from referee_shared.events.tasks import TaskClosed, TaskDecision, TaskOpened, TaskReminded
from referee_shared.runtime import ServiceRuntime
from referee_shared.topics import by_name

from ..builders import deal_closed, deal_reversed, envelope

FINANCE = {"role": "finance", "decided_by": "finance-zhang"}


@dataclass
class Harness:
    env: WorkflowEnvironment
    runtime: ServiceRuntime
    settlement: Settlement
    settings: SettlementSettings

    async def close(self, deal_id: str, amount: str = "1200000.00", **terms: Any) -> WorkflowHandle[Any, Any]:
        await self.settlement.deal_event(envelope(deal_closed(deal_id, amount, **terms), producer="erp"))
        return self.env.client.get_workflow_handle(self.settings.workflow_id(SETTLEMENT_WORKFLOW_KIND, deal_id))

    async def events(self, deal_id: str) -> list[Envelope[Any]]:
        """What settlement queued for this deal: statements (keyed by deal) and its tasks (keyed by task id)."""
        outbox = messaging.outbox
        async with self.runtime.sessions() as session:
            rows = (
                await session.execute(select(outbox.c.topic, outbox.c.key, outbox.c.value).order_by(outbox.c.id))
            ).all()
        mine = [r for r in rows if r.key == deal_id or (r.key or "").startswith(f"settlement-{deal_id}-")]
        return [decode(by_name(r.topic.removeprefix(self.settings.topic_prefix)), r.value) for r in mine]

    async def wait_for(self, deal_id: str, kind: type[Payload], count: int = 1) -> list[Any]:
        for _ in range(200):
            found = [e.payload for e in await self.events(deal_id) if isinstance(e.payload, kind)]
            if len(found) >= count:
                return found
            await asyncio.sleep(0.05)
        raise AssertionError(f"no {count} {kind.__name__} for deal {deal_id}: {await self.events(deal_id)}")

    async def state(
        self, handle: WorkflowHandle[Any, Any], until: Callable[[SettlementState], bool]
    ) -> SettlementState:
        for _ in range(200):
            state: SettlementState = await handle.query(SettlementWorkflow.state)
            if until(state):
                return state
            await asyncio.sleep(0.05)
        raise AssertionError(f"workflow stayed {state}")


def decision(task_id: str, choice: str, reason: str = "checked against the contract", **who: str) -> TaskDecision:
    return TaskDecision(task_id=task_id, choice=choice, reason=reason, **{**FINANCE, **who})


@pytest.fixture(scope="module")
async def harness(
    time_skipping: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Harness]:
    settings = SettlementSettings(data_dir=tmp_path_factory.mktemp("settlement-workflows"), topic_prefix="wf.")
    workflows = TemporalSettlementWorkflows(lambda: time_skipping.client, settings)
    runtime, settlement = build_runtime(settings, broker=KafkaBroker(), workflows=workflows)
    await runtime.migrate()
    steps = SettlementActivities(Statements(runtime.transactions, runtime.rules, settings))
    async with Worker(
        time_skipping.client, task_queue=settings.task_queue(), workflows=[SettlementWorkflow], activities=steps.all()
    ):
        yield Harness(time_skipping, runtime, settlement, settings)
    await runtime.engine.dispose()


def new_deal() -> str:
    return f"deal-{uuid4().hex[:10]}"


async def test_statement_below_the_threshold_is_issued_without_asking_finance(harness: Harness) -> None:
    deal = new_deal()
    handle = await harness.close(deal, "300000.00", owner="agent-wang", owner_channel=Channel.AGENT, contributors=())

    [statement] = await harness.wait_for(deal, SettlementStatement)
    assert statement.distributable_amount == 18000
    assert statement.approved_by is None
    assert [(line.party_id, line.amount) for line in statement.lines] == [("agent-wang", 18000)]
    assert not [e for e in await harness.events(deal) if isinstance(e.payload, TaskOpened)]
    assert (await harness.state(handle, lambda s: s.stage == "issued")).issued_statement_id == statement.statement_id


async def test_finance_task_reminds_before_its_deadline_and_approval_issues_the_statement(harness: Harness) -> None:
    deal = new_deal()
    handle = await harness.close(deal)
    [task] = await harness.wait_for(deal, TaskOpened)
    assert (task.role, task.level, task.update_name, task.choices) == ("finance", 1, "decide", ["approve", "reject"])
    assert task.workflow_id == handle.id
    assert task.details["distributable_amount"] == "72000.00"
    assert task.due_at is not None

    await harness.env.sleep(timedelta(hours=37))  # the industrial-goods rules remind 12 h before a 48 h deadline
    [reminder] = await harness.wait_for(deal, TaskReminded)
    assert (reminder.task_id, reminder.overdue, reminder.due_at) == (task.task_id, False, task.due_at)

    assert await handle.execute_update(SettlementWorkflow.decide, decision(task.task_id, "approve")) == "approve"

    [closed] = await harness.wait_for(deal, TaskClosed)
    assert (closed.outcome, closed.decided_by) == ("approve", "finance-zhang")
    [statement] = await harness.wait_for(deal, SettlementStatement)
    assert statement.approved_by == "finance-zhang"
    assert [(line.party_id, line.amount) for line in statement.lines] == [("direct-east", 57600), ("agent-wang", 14400)]


async def test_no_decision_by_the_deadline_escalates_to_hq_finance_which_is_never_approved_by_a_timer(
    harness: Harness,
) -> None:
    deal = new_deal()
    handle = await harness.close(deal)
    [first] = await harness.wait_for(deal, TaskOpened)

    await harness.env.sleep(timedelta(hours=49))
    opened = await harness.wait_for(deal, TaskOpened, count=2)
    [escalated] = await harness.wait_for(deal, TaskClosed)
    assert (escalated.task_id, escalated.outcome) == (first.task_id, "escalated")
    hq = opened[1]
    assert (hq.level, hq.role) == (2, "finance")
    assert hq.title.startswith("HQ finance")

    await harness.env.sleep(timedelta(hours=100))
    reminders = await harness.wait_for(deal, TaskReminded, count=3)
    assert [(r.task_id, r.overdue) for r in reminders] == [
        (first.task_id, False),
        (hq.task_id, False),
        (hq.task_id, True),
    ]
    assert not [e for e in await harness.events(deal) if isinstance(e.payload, SettlementStatement)]

    await handle.execute_update(SettlementWorkflow.decide, decision(hq.task_id, "approve", decided_by="cfo-li"))
    [statement] = await harness.wait_for(deal, SettlementStatement)
    assert statement.approved_by == "cfo-li"


async def test_decide_refuses_an_unknown_task_a_choice_not_offered_and_a_role_not_allowed(harness: Harness) -> None:
    deal = new_deal()
    handle = await harness.close(deal)
    [task] = await harness.wait_for(deal, TaskOpened)

    refusals = []
    for wrong in (
        decision("settlement-some-other-task", "approve"),
        decision(task.task_id, "pay-double"),
        decision(task.task_id, "approve", role="partner", decided_by="agent-wang"),
        decision(task.task_id, "approve", decided_by="zhang@finance.example.com"),
    ):
        with pytest.raises(WorkflowUpdateFailedError) as failure:
            await handle.execute_update(SettlementWorkflow.decide, wrong)
        cause = failure.value.cause
        assert isinstance(cause, ApplicationError)
        refusals.append(cause.message)
    assert refusals == [
        "task settlement-some-other-task is not open on this settlement",
        "choice 'pay-double' is not offered; choose one of approve, reject",
        "role 'partner' may not decide this task; it needs finance",
        "approver 'zhang@finance.example.com' cannot be named on a statement: use letters, digits, _ . : -",
    ]
    assert (await harness.state(handle, lambda s: True)).open_task_id == task.task_id


async def test_rejected_statement_is_never_issued_and_the_task_closes_with_the_reason(harness: Harness) -> None:
    deal = new_deal()
    handle = await harness.close(deal)
    [task] = await harness.wait_for(deal, TaskOpened)

    reason = "contribution agreement not on file"
    await handle.execute_update(SettlementWorkflow.decide, decision(task.task_id, "reject", reason))

    [closed] = await harness.wait_for(deal, TaskClosed)
    assert (closed.outcome, closed.reason) == ("reject", reason)
    state = await harness.state(handle, lambda s: s.stage == "rejected")
    assert (state.open_task_id, state.issued_statement_id) == (None, None)
    assert not [e for e in await harness.events(deal) if isinstance(e.payload, SettlementStatement)]


async def test_refund_while_awaiting_approval_withdraws_the_task_and_issues_nothing(harness: Harness) -> None:
    deal = new_deal()
    handle = await harness.close(deal)
    [task] = await harness.wait_for(deal, TaskOpened)

    await harness.settlement.deal_event(envelope(deal_reversed(deal, reason="order cancelled before delivery")))

    assert await handle.result() == "reversed"
    [closed] = await harness.wait_for(deal, TaskClosed)
    assert (closed.task_id, closed.outcome) == (task.task_id, "withdrawn")
    assert not [e for e in await harness.events(deal) if isinstance(e.payload, SettlementStatement)]


async def test_refund_after_issue_publishes_a_reversal_that_nets_every_line_to_zero(harness: Harness) -> None:
    deal = new_deal()
    handle = await harness.close(deal, "300000.00", owner="agent-wang", owner_channel=Channel.AGENT, contributors=())
    [original] = await harness.wait_for(deal, SettlementStatement)

    await harness.settlement.deal_event(envelope(deal_reversed(deal, reason="machine returned")))

    assert await handle.result() == "reversed"
    reversal = (await harness.wait_for(deal, SettlementStatement, count=2))[1]
    assert reversal.kind is StatementKind.REVERSAL
    assert reversal.reverses_statement_id == original.statement_id
    assert reversal.reason == "refund: machine returned"
    assert reversal.distributable_amount == -original.distributable_amount
    assert {line.reverses_line_id: line.amount for line in reversal.lines} == {
        line.line_id: -line.amount for line in original.lines
    }


async def test_corrected_deal_terms_reverse_the_issued_statement_and_issue_a_new_one(harness: Harness) -> None:
    deal = new_deal()
    terms: dict[str, Any] = {"owner": "agent-wang", "owner_channel": Channel.AGENT, "lead_id": uuid4()}
    handle = await harness.close(deal, "300000.00", contributors=(), **terms)
    [first] = await harness.wait_for(deal, SettlementStatement)
    await harness.state(handle, lambda s: s.stage == "issued")

    corrected = deal_closed(deal, "300000.00", contributors=(("agent-li", Channel.AGENT, "0.25"),), **terms)
    await harness.settlement.deal_event(envelope(corrected))

    statements = await harness.wait_for(deal, SettlementStatement, count=3)
    reversal, replacement = statements[1], statements[2]
    assert reversal.reverses_statement_id == first.statement_id
    assert replacement.replaces_statement_id == first.statement_id
    assert [(line.party_id, line.amount) for line in replacement.lines] == [("agent-wang", 13500), ("agent-li", 4500)]
    assert sum(s.distributable_amount for s in statements) == replacement.distributable_amount


class SlowToReportBack(SettlementActivities):
    """Announces the task (commits TaskOpened) but reports back late, as a loaded worker might."""

    @activity.defn(name="settlement.open_task")
    async def open_task(self, task: TaskRef) -> None:
        await super().open_task(task)
        await asyncio.sleep(1.5)


async def test_a_decision_made_as_soon_as_the_inbox_hears_of_the_task_is_accepted(
    time_skipping: WorkflowEnvironment, tmp_path: Path
) -> None:
    settings = SettlementSettings(data_dir=tmp_path, topic_prefix="wf-slow.")
    workflows = TemporalSettlementWorkflows(lambda: time_skipping.client, settings)
    runtime, settlement = build_runtime(settings, broker=KafkaBroker(), workflows=workflows)
    await runtime.migrate()
    steps = SlowToReportBack(Statements(runtime.transactions, runtime.rules, settings))
    async with Worker(
        time_skipping.client, task_queue=settings.task_queue(), workflows=[SettlementWorkflow], activities=steps.all()
    ):
        slow = Harness(time_skipping, runtime, settlement, settings)
        deal = new_deal()
        handle = await slow.close(deal)
        [task] = await slow.wait_for(deal, TaskOpened)

        assert await handle.execute_update(SettlementWorkflow.decide, decision(task.task_id, "approve")) == "approve"
        [statement] = await slow.wait_for(deal, SettlementStatement)
        assert statement.approved_by == "finance-zhang"
    await runtime.engine.dispose()
