"""Settlement on the in-memory broker: deals in, statements out, payments back, reconciliation for finance.

Temporal is stood in for by a recorder; the workflow's steps are driven here in the order the workflow
runs them (tests/workflows covers the workflow itself, tests/integration the whole on real infrastructure).
Long because it is one story (a deal's life through finance) told case by case over one in-memory system.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from typer.testing import CliRunner

from referee_cli.main import app as cli
from referee_settlement import api
from referee_settlement.app import build_runtime
from referee_settlement.domain.reconciliation import parse_period
from referee_settlement.settings import SettlementSettings
from referee_settlement.views.reports import Reports
from referee_settlement.workflows.models import IssueRequest, PlanKind, PrepareRequest, ReverseRequest
from referee_settlement.workflows.steps import Statements
from referee_shared.auth import Role, issue_token
from referee_shared.calls import no_transaction_open
from referee_shared.events.catalog import decode
from referee_shared.events.common import Channel
from referee_shared.events.deals import DealOutcome
from referee_shared.events.disputes import CreditShare, DisputeRuling, RulingOutcome
from referee_shared.events.envelope import Envelope, P, envelope_json
from referee_shared.events.settlements import (
    PaymentFlagged,
    PaymentRetryRequested,
    PaymentStatus,
    SettlementPayment,
    SettlementStatement,
)
from referee_shared.kafka.deadletter import DeadLetter
from referee_shared.runtime import ServiceRuntime
from referee_shared.token_verifier import TokenPolicy, TokenVerifier
from referee_shared.topics import DEALS_CLOSED, DISPUTES_RULINGS, SETTLEMENTS_PAYMENTS, SETTLEMENTS_STATEMENTS, Topic

from ..builders import deal_closed, deal_reversed, envelope
from ..in_memory import serving, watch_topics


@dataclass
class RecordingWorkflows:
    revisions: list[tuple[str, int, str]] = field(default_factory=list)
    reversals: list[tuple[str, str, str]] = field(default_factory=list)

    def workflow_id(self, deal_id: str) -> str:
        return f"settlement-{deal_id}"

    async def revise(self, deal_id: str, revision: int, reason: str) -> str:
        no_transaction_open("revise")  # as the real Temporal client does
        self.revisions.append((deal_id, revision, reason))
        return f"settlement-{deal_id}"

    async def reverse(self, deal_id: str, revision: int, kind: str, reason: str) -> None:
        no_transaction_open("reverse")  # as the real Temporal client does
        self.reversals.append((deal_id, kind, reason))


@dataclass
class SettlementSystem:
    broker: KafkaBroker
    runtime: ServiceRuntime
    workflows: RecordingWorkflows
    steps: Statements
    reports: Reports
    seen: dict[str, list[bytes]] = field(default_factory=dict)

    async def publish(self, topic: Topic[P], event: Envelope[P] | bytes, key: str | None = None) -> None:
        value = event if isinstance(event, bytes) else envelope_json(event)
        await self.broker.publish(value, topic.name, key=key.encode() if key else None)
        while await self.runtime.relay.publish_pending():
            pass

    def statements(self) -> list[Any]:
        return [decode(SETTLEMENTS_STATEMENTS, raw).payload for raw in self.seen.get(SETTLEMENTS_STATEMENTS.name, [])]

    def dead_letters(self) -> list[DeadLetter]:
        return [DeadLetter.model_validate_json(raw) for raw in self.seen.get("deadletter.settlement", [])]

    async def settle(self, deal_id: str, revision: int = 1, approved_by: str | None = None) -> SettlementStatement:
        """Run the workflow's happy path for a revision: prepare, (approved,) issue."""
        plan = await self.steps.prepare(PrepareRequest(deal_id=deal_id, revision=revision))
        assert plan.kind is PlanKind.DRAFT, plan
        assert plan.statement_id is not None
        await self.steps.issue(
            IssueRequest(statement_id=plan.statement_id, approved_by=approved_by, replaces_statement_id=None)
        )
        while await self.runtime.relay.publish_pending():
            pass
        issued: SettlementStatement = next(s for s in self.statements() if s.statement_id == plan.statement_id)
        return issued

    async def pay(self, statement: SettlementStatement, line: int, status: PaymentStatus, **extra: Any) -> None:
        chosen = statement.lines[line]
        report = SettlementPayment(
            payment_id=extra.pop("payment_id", f"pay-{uuid4().hex[:8]}"),
            statement_id=statement.statement_id,
            line_id=chosen.line_id,
            status=status,
            amount=extra.pop("amount", chosen.amount),
            reported_at=datetime.now(UTC),
            **extra,
        )
        await self.publish(SETTLEMENTS_PAYMENTS, envelope(report, producer="finance-erp"), str(statement.statement_id))


@pytest.fixture
async def system(tmp_path: Path) -> AsyncIterator[SettlementSystem]:
    broker = KafkaBroker()
    workflows = RecordingWorkflows()
    settings = SettlementSettings(data_dir=tmp_path, consumer_max_attempts=1)
    runtime, _ = build_runtime(settings, broker=broker, workflows=workflows)
    steps = Statements(runtime.transactions, runtime.rules, settings)
    built = SettlementSystem(broker, runtime, workflows, steps, Reports(runtime.sessions, ZoneInfo("Asia/Shanghai")))
    watch_topics(broker, built.seen, (SETTLEMENTS_STATEMENTS.name, "deadletter.settlement"))
    async with serving(broker, [runtime]):
        yield built


async def test_the_same_closed_deal_delivered_three_times_is_settled_once(system: SettlementSystem) -> None:
    event = envelope(deal_closed("IE-1001"), producer="erp")
    for _ in range(3):
        await system.publish(DEALS_CLOSED, event, "IE-1001")
    resent = envelope(event.payload, producer="erp")  # the ERP sends the same deal again under a new event id
    await system.publish(DEALS_CLOSED, resent, "IE-1001")

    assert system.workflows.revisions == [("IE-1001", 1, "deal closed")]
    await system.settle("IE-1001")
    assert len(system.statements()) == 1


async def test_corrected_deal_terms_become_a_new_revision_for_the_workflow(system: SettlementSystem) -> None:
    lead = uuid4()
    await system.publish(DEALS_CLOSED, envelope(deal_closed("IE-1002", lead_id=lead)))
    await system.publish(DEALS_CLOSED, envelope(deal_closed("IE-1002", "1250000.00", lead_id=lead)))

    assert [(r[1], r[2]) for r in system.workflows.revisions] == [(1, "deal closed"), (2, "deal terms corrected")]


async def test_a_lost_deal_has_nothing_to_settle(system: SettlementSystem) -> None:
    await system.publish(DEALS_CLOSED, envelope(deal_closed("IE-1003", outcome=DealOutcome.LOST)))

    assert system.workflows.revisions == []
    assert system.dead_letters() == []


@pytest.mark.parametrize(
    ("deal", "reason"),
    [
        (
            deal_closed("IE-2001").model_copy(update={"product_line": None, "owner_id": None}),
            "won deal IE-2001 cannot be settled without product_line, owner_id",
        ),
        (
            deal_closed("IE-2002", product_line="spaceships"),
            "won deal IE-2002 cannot be settled: unknown product line 'spaceships'",
        ),
        (
            deal_closed(
                "IE-2003", contributors=(("agent-wang", Channel.AGENT, "0.7"), ("agent-li", Channel.AGENT, "0.5"))
            ),
            "won deal IE-2003 cannot be settled: contribution ratios of the helpers sum to 1.2",
        ),
    ],
)
async def test_a_deal_that_cannot_be_settled_is_dead_lettered_with_the_reason(
    system: SettlementSystem, deal: Any, reason: str
) -> None:
    await system.publish(DEALS_CLOSED, envelope(deal), deal.deal_id)

    [letter] = system.dead_letters()
    assert letter.reason.startswith(reason)
    assert system.workflows.revisions == []


async def test_malformed_deal_and_reversal_of_an_unknown_deal_are_dead_lettered(system: SettlementSystem) -> None:
    document = json.loads(envelope(deal_closed("IE-2004")).model_dump_json())
    document["payload"]["amount"] = "-5"
    await system.publish(DEALS_CLOSED, json.dumps(document).encode())
    await system.publish(DEALS_CLOSED, envelope(deal_reversed("IE-NOPE")))

    reasons = [letter.reason for letter in system.dead_letters()]
    assert reasons[0].startswith("invalid deal.closed v1: payload.amount:")
    assert reasons[1] == "no closed deal IE-NOPE to reverse"


async def test_a_ruling_sharing_credit_settles_the_leads_deals_again(system: SettlementSystem) -> None:
    lead = uuid4()
    await system.publish(DEALS_CLOSED, envelope(deal_closed("IE-3001", lead_id=lead)))
    await system.settle("IE-3001")

    ruling = DisputeRuling(
        dispute_id=uuid4(),
        outcome=RulingOutcome.SHARED,
        reason="both visited the plant; the evidence shows equal work",
        decided_by="hq-arbiter",
        level=2,
        lead_id=lead,
        shares=[
            CreditShare(party_id="direct-east", ratio=Decimal("0.5")),
            CreditShare(party_id="agent-wang", ratio=Decimal("0.5")),
        ],
        rule_set="industrial-goods",
        rule_version=1,
        evidence_digest="0" * 64,
        decided_at=datetime.now(UTC),
    )
    await system.publish(DISPUTES_RULINGS, envelope(ruling, producer="arbitration"))

    assert system.workflows.revisions[-1] == ("IE-3001", 2, f"ruling {ruling.dispute_id}: shared")
    revised = await system.settle("IE-3001", revision=2)
    assert [(line.party_id, line.amount) for line in revised.lines] == [
        ("direct-east", Decimal("36000.00")),
        ("agent-wang", Decimal("36000.00")),
    ]

    bad = ruling.model_copy(update={"dispute_id": uuid4(), "shares": ruling.shares[:1]})
    await system.publish(DISPUTES_RULINGS, envelope(bad, producer="arbitration"))
    assert system.dead_letters()[0].reason == f"ruling {bad.dispute_id} shares credit in ratios summing to 0.5, not 1"


async def test_a_ruling_crediting_a_party_of_unknown_channel_blocks_the_deal_and_says_why(
    system: SettlementSystem,
) -> None:
    lead = uuid4()
    await system.publish(DEALS_CLOSED, envelope(deal_closed("IE-3002", lead_id=lead)))
    ruling = DisputeRuling(
        dispute_id=uuid4(),
        outcome=RulingOutcome.SHARED,
        reason="shared",
        decided_by="hq-arbiter",
        level=2,
        lead_id=lead,
        shares=[
            CreditShare(party_id="direct-east", ratio=Decimal("0.5")),
            CreditShare(party_id="dealer-x", ratio=Decimal("0.5")),
        ],
        rule_set="industrial-goods",
        rule_version=1,
        evidence_digest="0" * 64,
        decided_at=datetime.now(UTC),
    )
    await system.publish(DISPUTES_RULINGS, envelope(ruling, producer="arbitration"))

    plan = await system.steps.prepare(PrepareRequest(deal_id="IE-3002", revision=2))

    reason = "the channel of dealer-x is not known: the ruling must state it"
    assert (plan.kind, plan.reason) == (PlanKind.BLOCKED, reason)
    view = await system.reports.deal("IE-3002")
    assert view is not None
    assert (view.status, view.blocked_reason, view.statements) == ("won", reason, [])


async def test_a_failed_payment_is_retried_per_rule_then_flagged(system: SettlementSystem) -> None:
    await system.publish(DEALS_CLOSED, envelope(deal_closed("IE-4001")))
    statement = await system.settle("IE-4001", approved_by="finance-zhang")

    await system.pay(statement, 0, PaymentStatus.PAID, reference="ICBC-778")
    for attempt in range(4):
        await system.pay(statement, 1, PaymentStatus.FAILED, failure_reason=f"account frozen ({attempt + 1})")

    retries = [p for p in system.statements() if isinstance(p, PaymentRetryRequested)]
    assert [(r.attempt, r.max_attempts, r.party_id) for r in retries] == [
        (2, 4, "agent-wang"),
        (3, 4, "agent-wang"),
        (4, 4, "agent-wang"),
    ]
    [flagged] = [p for p in system.statements() if isinstance(p, PaymentFlagged)]
    assert (flagged.line_id, flagged.attempts, flagged.last_failure_reason) == (
        statement.lines[1].line_id,
        4,
        "account frozen (4)",
    )
    [view] = await system.reports.statements_of_deal("IE-4001")
    assert [(line.payment_status, line.failed_attempts) for line in view.lines] == [("paid", 0), ("failed", 4)]


async def test_payment_reports_that_contradict_the_statement_are_dead_lettered(system: SettlementSystem) -> None:
    await system.publish(DEALS_CLOSED, envelope(deal_closed("IE-4002")))
    statement = await system.settle("IE-4002")

    await system.pay(statement, 0, PaymentStatus.PAID, payment_id="p-1", amount=Decimal("57000.00"))
    await system.pay(statement, 0, PaymentStatus.PAID, payment_id="p-2")
    await system.pay(statement, 0, PaymentStatus.PAID, payment_id="p-2")  # the same report again: ignored
    await system.pay(statement, 0, PaymentStatus.PAID, payment_id="p-3")
    unknown = statement.model_copy(update={"lines": [statement.lines[0].model_copy(update={"line_id": uuid4()})]})
    await system.pay(unknown, 0, PaymentStatus.PAID, payment_id="p-4")

    line = statement.lines[0].line_id
    assert [letter.reason for letter in system.dead_letters()] == [
        f"payment p-1 on line {line}: reported paid 57000.00 but the line is 57600.00",
        f"payment p-3 on line {line}: the line is already paid; a second payment is not accepted",
        f"statement {statement.statement_id} has no line {unknown.lines[0].line_id}",
    ]


async def test_reconciliation_balances_paid_pending_failed_and_reversed(system: SettlementSystem) -> None:
    for deal in ("IE-5001", "IE-5002", "IE-5003"):
        await system.publish(DEALS_CLOSED, envelope(deal_closed(deal)))
    paid_one, pending_one, refunded = [await system.settle(d) for d in ("IE-5001", "IE-5002", "IE-5003")]
    await system.pay(paid_one, 0, PaymentStatus.PAID)
    for _ in range(4):
        await system.pay(paid_one, 1, PaymentStatus.FAILED, failure_reason="closed account")
    await system.pay(pending_one, 1, PaymentStatus.PAID)
    await system.pay(refunded, 0, PaymentStatus.PAID)
    await system.steps.reverse(ReverseRequest(statement_id=refunded.statement_id, reason="refund: machine returned"))

    report = await system.reports.reconciliation(datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m"))

    assert report.balanced, report.problems
    assert report.statements == 4
    assert (report.issued.lines, report.issued.amount) == (6, Decimal("216000.00"))
    assert {bucket.value: (t.lines, t.amount) for bucket, t in report.buckets.items()} == {
        "paid": (2, Decimal("72000.00")),
        "pending": (1, Decimal("57600.00")),
        "failed": (1, Decimal("14400.00")),
        "reversed": (2, Decimal("72000.00")),
    }
    assert (report.reversals.lines, report.reversals.amount) == (2, Decimal("-72000.00"))
    assert report.reversed_paid.amount == Decimal("57600.00")  # paid before the refund: to be recovered
    assert report.net == Decimal("144000.00")


async def test_reconciliation_over_http_for_finance_only_with_csv_export(system: SettlementSystem) -> None:
    await system.publish(DEALS_CLOSED, envelope(deal_closed("IE-6001")))
    statement = await system.settle("IE-6001")
    await system.pay(statement, 0, PaymentStatus.PAID, reference="ICBC-1")
    app = FastAPI()
    app.state.tokens = TokenVerifier(TokenPolicy.from_settings(system.runtime.settings))
    app.include_router(api.build_router(system.reports))

    def token(role: Role) -> dict[str, str]:
        secret = system.runtime.settings.auth_secret
        issued = issue_token(secret, subject="x", role=role, partner_id="agent-wang", now=datetime.now(UTC))
        return {"Authorization": f"Bearer {issued}"}

    month = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        as_json = await client.get("/settlement/reconciliation", params={"period": month}, headers=token(Role.FINANCE))
        as_csv = await client.get(
            "/settlement/reconciliation", params={"period": month, "format": "csv"}, headers=token(Role.FINANCE)
        )
        bad_period = await client.get(
            "/settlement/reconciliation", params={"period": "May"}, headers=token(Role.FINANCE)
        )
        partner = await client.get("/settlement/reconciliation", params={"period": month}, headers=token(Role.PARTNER))
        deal = await client.get("/settlement/deals/IE-6001", headers=token(Role.FINANCE))
        missing = await client.get("/settlement/deals/IE-NONE", headers=token(Role.FINANCE))

    assert as_json.status_code == 200, as_json.text
    body = as_json.json()
    assert (body["paid"]["amount"], body["pending"]["amount"], body["balanced"]) == ("57600.00", "14400.00", True)
    assert as_csv.headers["content-type"].startswith("text/csv")
    header, *rows = as_csv.text.splitlines()
    assert header.startswith("issued_at,deal_id,statement_id,kind")
    assert [row.split(",")[7:12] for row in rows] == [
        ["direct-east", "direct", "industrial-goods@1:contribution-share", "57600.00", "paid"],
        ["agent-wang", "agent", "industrial-goods@1:contribution-share", "14400.00", "pending"],
    ]
    assert bad_period.status_code == 422
    assert "is not YYYY, YYYY-MM" in bad_period.json()["detail"]
    assert partner.status_code == 403
    assert deal.json()["statements"][0]["lines"][0]["payment_reference"] == "ICBC-1"
    assert missing.status_code == 404


def test_periods_follow_finance_s_calendar() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    month = parse_period("2026-12", shanghai)
    assert (month.start.isoformat(), month.end.isoformat()) == (
        "2026-12-01T00:00:00+08:00",
        "2027-01-01T00:00:00+08:00",
    )
    span = parse_period("2026-11-01..2026-11-15", shanghai)
    assert span.end - span.start == timedelta(days=15)
    assert parse_period("2026", shanghai).end.year == 2027
    with pytest.raises(ValueError, match="ends before it starts"):
        parse_period("2026-11-15..2026-11-01", shanghai)


async def test_referee_settlement_reconcile_and_statements_read_like_finance_expects(
    system: SettlementSystem, tmp_path: Path
) -> None:
    await system.publish(DEALS_CLOSED, envelope(deal_closed("IE-7001")))
    statement = await system.settle("IE-7001", approved_by="finance-zhang")
    await system.pay(statement, 0, PaymentStatus.PAID, reference="ICBC-9")
    await system.pay(statement, 1, PaymentStatus.FAILED, failure_reason="bank holiday")
    month = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    env = {"REFEREE_DATA_DIR": str(tmp_path)}  # the fixture's database: <data dir>/services/settlement.db
    runner = CliRunner()

    reconciled = await asyncio.to_thread(
        runner.invoke, cli, ["settlement", "reconcile", "--period", month, "--csv", str(tmp_path / "r.csv")], env=env
    )
    shown = await asyncio.to_thread(runner.invoke, cli, ["settlement", "statements", "IE-7001"], env=env)
    wrong = await asyncio.to_thread(runner.invoke, cli, ["settlement", "reconcile", "--period", "soon"], env=env)

    assert reconciled.exit_code == 0, reconciled.output
    assert "issued          2  72,000.00  = paid + pending + failed + reversed" in reconciled.output
    assert "balanced: yes" in reconciled.output
    assert (tmp_path / "r.csv").read_text().count("\n") == 3
    assert shown.exit_code == 0, shown.output
    assert "approved by finance-zhang" in shown.output
    assert "pending after 1 failed attempt" in shown.output
    assert wrong.exit_code == 2
    assert "is not YYYY, YYYY-MM" in wrong.output
