"""Settlement end to end on the real Kafka, Temporal and PostgreSQL: the brief's industrial-equipment
case from the closed deal to finance's approval, payments, a retry, a refund and the reconciliation."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI

from referee_settlement import api
from referee_settlement.app import build_reports
from referee_settlement.settings import SettlementSettings
from referee_shared.auth import Role, issue_token
from referee_shared.events.common import Channel
from referee_shared.events.disputes import CreditShare, DisputeRuling, RulingOutcome
from referee_shared.events.settlements import (
    PaymentRetryRequested,
    PaymentStatus,
    SettlementPayment,
    SettlementStatement,
    StatementKind,
)
from referee_shared.events.tasks import TaskClosed, TaskDecision, TaskOpened
from referee_shared.kafka.deadletter import DeadLetter
from referee_shared.token_verifier import TokenPolicy, TokenVerifier
from referee_shared.topics import (
    DEALS_CLOSED,
    DISPUTES_RULINGS,
    SETTLEMENTS_PAYMENTS,
    SETTLEMENTS_STATEMENTS,
    TASKS_EVENTS,
    dead_letter_topic,
)

from ..builders import deal_closed, deal_reversed, envelope
from ..stack import Stack


def new_deal(label: str) -> str:
    return f"{label}-{uuid4().hex[:8]}"


async def statements_of(stack: Stack, deal_id: str, count: int = 1) -> list[SettlementStatement]:
    found = await stack.events(
        SETTLEMENTS_STATEMENTS,
        lambda e: isinstance(e.payload, SettlementStatement) and e.payload.deal_id == deal_id,
        count=count,
    )
    return [e.payload for e in found]


async def report_payment(
    stack: Stack, statement: SettlementStatement, line: int, status: PaymentStatus, **extra: Any
) -> None:
    report = SettlementPayment(
        payment_id=f"pay-{uuid4().hex[:10]}",
        statement_id=statement.statement_id,
        line_id=statement.lines[line].line_id,
        status=status,
        amount=statement.lines[line].amount,
        reported_at=datetime.now(UTC),
        **extra,
    )
    await stack.publish(SETTLEMENTS_PAYMENTS, envelope(report, producer="finance"), str(statement.statement_id))


async def test_agent_credited_twenty_percent_on_a_direct_key_account_from_close_to_refund(stack: Stack) -> None:
    deal_id = new_deal("IE")
    deal = deal_closed(deal_id, "1200000.00", owner="direct-east", contributors=(("agent-wang", Channel.AGENT, "0.2"),))
    await stack.publish(DEALS_CLOSED, envelope(deal, producer="erp"), deal_id)

    # 72,000.00 to distribute is above the industrial-goods threshold (50,000): finance must approve.
    [opened] = await stack.events(
        TASKS_EVENTS, lambda e: isinstance(e.payload, TaskOpened) and e.payload.details.get("deal_id") == deal_id
    )
    task: TaskOpened = opened.payload
    assert (task.role, task.choices, task.details["distributable_amount"]) == (
        "finance",
        ["approve", "reject"],
        "72000.00",
    )
    assert stack.temporal is not None
    decision = TaskDecision(
        task_id=task.task_id, choice="approve", reason="agreement on file", decided_by="finance-zhang", role="finance"
    )
    handle = stack.temporal.get_workflow_handle(task.workflow_id)
    assert await handle.execute_update(task.update_name, decision, result_type=str) == "approve"

    [closed] = await stack.events(
        TASKS_EVENTS, lambda e: isinstance(e.payload, TaskClosed) and e.payload.task_id == task.task_id
    )
    assert (closed.payload.outcome, closed.payload.decided_by) == ("approve", "finance-zhang")
    [statement] = await statements_of(stack, deal_id)
    assert (statement.kind, statement.tier, statement.approved_by) == (
        StatementKind.ORIGINAL,
        "key-account",
        "finance-zhang",
    )
    assert statement.distributable_amount == Decimal("72000.00")
    assert [(line.party_id, line.channel, line.amount, line.rule) for line in statement.lines] == [
        ("direct-east", Channel.DIRECT, Decimal("57600.00"), "industrial-goods@1:contribution-share"),
        ("agent-wang", Channel.AGENT, Decimal("14400.00"), "industrial-goods@1:contribution-share"),
    ]

    await report_payment(stack, statement, 0, PaymentStatus.PAID, reference="ICBC-20261120-001")
    await report_payment(stack, statement, 1, PaymentStatus.FAILED, failure_reason="payee account name mismatch")
    [retry] = await stack.events(
        SETTLEMENTS_STATEMENTS,
        lambda e: isinstance(e.payload, PaymentRetryRequested) and e.payload.statement_id == statement.statement_id,
    )
    assert (retry.payload.line_id, retry.payload.attempt, retry.payload.max_attempts) == (
        statement.lines[1].line_id,
        2,
        4,
    )
    await report_payment(stack, statement, 1, PaymentStatus.PAID, reference="ICBC-20261121-007")

    await stack.publish(
        DEALS_CLOSED,
        envelope(deal_reversed(deal_id, reason="machine returned under warranty"), producer="erp"),
        deal_id,
    )
    original, reversal = await statements_of(stack, deal_id, count=2)
    assert (reversal.kind, reversal.reverses_statement_id) == (StatementKind.REVERSAL, original.statement_id)
    assert [(line.reverses_line_id, line.amount) for line in reversal.lines] == [
        (statement.lines[0].line_id, Decimal("-57600.00")),
        (statement.lines[1].line_id, Decimal("-14400.00")),
    ]
    assert await handle.result() == "reversed"

    expected = [
        ("original", "direct-east", "57600.00", "reversed", "paid"),
        ("original", "agent-wang", "14400.00", "reversed", "paid"),
        ("reversal", "direct-east", "-57600.00", "reversed", "pending"),
        ("reversal", "agent-wang", "-14400.00", "reversed", "pending"),
    ]
    # The second payment (settlements.payments) and the reversal (deals.closed) travel on different topics:
    # the reversal can be issued before that payment is applied, so read until both are in (bounded).
    for _ in range(60):
        csv_rows, body = await reconciliation(stack)
        mine = [row for row in csv_rows if row[1] == deal_id]
        if [(row[3], row[7], row[10], row[11], row[12]) for row in mine] == expected:
            break
        await asyncio.sleep(0.5)
    assert [(row[3], row[7], row[10], row[11], row[12]) for row in mine] == expected
    assert body["balanced"] is True


async def reconciliation(stack: Stack) -> tuple[list[list[str]], dict[str, Any]]:
    """This month's reconciliation through the HTTP API, as finance reads it: CSV rows and the JSON totals."""
    settings = stack.settings("settlement")
    assert isinstance(settings, SettlementSettings)
    app = FastAPI()
    app.state.tokens = TokenVerifier(TokenPolicy.from_settings(settings))
    app.include_router(api.build_router(build_reports(stack.runtimes["settlement"][0], settings)))
    token = issue_token(settings.auth_secret, subject="finance-zhang", role=Role.FINANCE, now=datetime.now(UTC))
    month = datetime.now(ZoneInfo(settings.finance_timezone)).strftime("%Y-%m")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://finance") as client:
        headers = {"Authorization": f"Bearer {token}"}
        as_csv = await client.get(
            "/settlement/reconciliation", params={"period": month, "format": "csv"}, headers=headers
        )
        as_json = await client.get("/settlement/reconciliation", params={"period": month}, headers=headers)
    assert as_csv.status_code == as_json.status_code == 200
    return [line.split(",") for line in as_csv.text.splitlines()[1:]], as_json.json()


async def test_the_same_closed_deal_delivered_three_times_yields_one_statement(stack: Stack) -> None:
    deal_id = new_deal("IE-small")
    event = envelope(
        deal_closed(deal_id, "300000.00", owner="agent-wang", owner_channel=Channel.AGENT, contributors=()),
        producer="erp",
    )
    for _ in range(3):
        await stack.publish(DEALS_CLOSED, event, deal_id)
    # A later deal on the same partition is settled only after the three deliveries were handled.
    sentinel = new_deal("IE-sentinel")
    later = deal_closed(sentinel, "200000.00", owner="agent-li", owner_channel=Channel.AGENT, contributors=())
    await stack.publish(DEALS_CLOSED, envelope(later, producer="erp"), deal_id)
    await statements_of(stack, sentinel)

    [statement] = await statements_of(stack, deal_id)
    assert [(line.party_id, line.amount) for line in statement.lines] == [("agent-wang", Decimal("18000.00"))]
    assert (
        len([e for e in stack.all_events(SETTLEMENTS_STATEMENTS) if getattr(e.payload, "deal_id", None) == deal_id])
        == 1
    )
    assert stack.temporal is not None
    state = await stack.temporal.get_workflow_handle(
        stack.settings("settlement").workflow_id("settlement", deal_id)
    ).query("state")
    assert state["revision"] == 1


async def test_a_ruling_sharing_credit_after_issue_corrects_the_statement_by_reversal_and_a_new_one(
    stack: Stack,
) -> None:
    deal_id, lead_id = new_deal("IE-ruled"), uuid4()
    deal = deal_closed(
        deal_id, "300000.00", owner="agent-wang", owner_channel=Channel.AGENT, contributors=(), lead_id=lead_id
    )
    await stack.publish(DEALS_CLOSED, envelope(deal, producer="erp"), deal_id)
    [first] = await statements_of(stack, deal_id)

    ruling = DisputeRuling(
        dispute_id=uuid4(),
        outcome=RulingOutcome.SHARED,
        reason="agent-li's visits to the plant are on record first; credit is shared",
        decided_by="hq-arbiter",
        level=2,
        lead_id=lead_id,
        shares=[
            CreditShare(party_id="agent-wang", ratio=Decimal("0.6")),
            CreditShare(party_id="agent-li", ratio=Decimal("0.4"), channel=Channel.AGENT),
        ],
        rule_set="industrial-goods",
        rule_version=1,
        evidence_digest="a" * 64,
        decided_at=datetime.now(UTC),
    )
    await stack.publish(DISPUTES_RULINGS, envelope(ruling, producer="arbitration"), str(ruling.dispute_id))

    _, reversal, replacement = await statements_of(stack, deal_id, count=3)
    assert reversal.reverses_statement_id == first.statement_id
    assert replacement.replaces_statement_id == first.statement_id
    assert [(line.party_id, line.amount) for line in replacement.lines] == [
        ("agent-wang", Decimal("10800.00")),
        ("agent-li", Decimal("7200.00")),
    ]


async def test_input_settlement_cannot_act_on_is_dead_lettered_with_the_reason(stack: Stack) -> None:
    deal_id = new_deal("IE-bad")
    unsettleable = deal_closed(deal_id).model_copy(update={"owner_channel": None})
    await stack.publish(DEALS_CLOSED, envelope(unsettleable, producer="erp"), deal_id)
    stranger = SettlementPayment(
        payment_id=f"pay-{deal_id}",
        statement_id=uuid4(),
        line_id=uuid4(),
        status=PaymentStatus.PAID,
        amount=Decimal("1.00"),
        reported_at=datetime.now(UTC),
    )
    await stack.publish(SETTLEMENTS_PAYMENTS, envelope(stranger, producer="finance"), deal_id)

    assert stack.watcher is not None
    letters = [
        DeadLetter.model_validate_json(seen.value)
        for seen in await stack.watcher.wait_for(
            stack.topic(dead_letter_topic("settlement")), lambda s: s.key == deal_id.encode(), count=2
        )
    ]
    assert sorted(letter.reason for letter in letters) == [
        f"statement {stranger.statement_id} has no line {stranger.line_id}",
        f"won deal {deal_id} cannot be settled without owner_channel",
    ]
