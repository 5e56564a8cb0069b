"""What finance reads: a deal's statements with each line's payment state, and the reconciliation of a period.

Shared by the HTTP API and the ``referee settlement`` CLI.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from referee_shared.events.settlements import StatementKind
from referee_shared.reasons import PAYMENT_STATUSES, STATEMENT_STATUSES, statuses

from ..domain.payments import LineStatus
from ..domain.reconciliation import Bucket, LineRow, Reconciliation, parse_period, reconcile
from ..domain.states import StatementStatus
from ..store import SettlementRepository


class LineView(BaseModel):
    line_id: UUID
    party_id: str
    channel: str
    amount: Decimal
    rule: str
    description: str
    reverses_line_id: UUID | None
    payment_status: str = Field(json_schema_extra=statuses(PAYMENT_STATUSES, "what finance reported for the line"))
    failed_attempts: int
    payment_reference: str


class StatementView(BaseModel):
    statement_id: UUID
    deal_id: str
    kind: str = Field(json_schema_extra=statuses(tuple(k.value for k in StatementKind), "original or reversal"))
    status: str = Field(json_schema_extra=statuses(STATEMENT_STATUSES, "where the statement stands"))
    revision: int
    currency: str
    deal_amount: Decimal
    distributable_amount: Decimal
    tier: str | None
    rules: str
    notes: list[str]
    approved_by: str | None
    decision_reason: str | None
    reason: str
    reverses_statement_id: UUID | None
    replaces_statement_id: UUID | None
    issued_at: datetime | None
    lines: list[LineView]


class DealView(BaseModel):
    """A deal as settlement sees it: its state, why it cannot be settled if it cannot, and its statements."""

    deal_id: str
    status: str
    revision: int
    blocked_reason: str | None
    statements: list[StatementView]


class TotalsView(BaseModel):
    lines: int
    amount: Decimal


class ReconciliationView(BaseModel):
    period: str
    start: datetime
    end: datetime
    statements: int
    issued: TotalsView
    paid: TotalsView
    pending: TotalsView
    failed: TotalsView
    reversed: TotalsView
    reversals: TotalsView
    reversed_paid_before_reversal: TotalsView
    recovered: TotalsView
    net: Decimal
    balanced: bool
    problems: list[str]


class Reports:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], zone: ZoneInfo) -> None:
        self._sessions = sessions
        self._zone = zone

    async def deal(self, deal_id: str) -> DealView | None:
        async with self._sessions() as session:
            deal = await SettlementRepository(session).deal(deal_id)
        if deal is None:
            return None
        statements = await self.statements_of_deal(deal_id)
        return DealView(
            deal_id=deal.deal_id,
            status=deal.status,
            revision=deal.revision,
            blocked_reason=deal.blocked_reason,
            statements=statements,
        )

    async def statements_of_deal(self, deal_id: str) -> list[StatementView]:
        async with self._sessions() as session:
            repo = SettlementRepository(session)
            views = []
            for statement in await repo.statements_of_deal(deal_id):
                lines = await repo.lines(statement.statement_id)
                views.append(
                    StatementView(
                        statement_id=statement.statement_id,
                        deal_id=statement.deal_id,
                        kind=statement.kind,
                        status=statement.status,
                        revision=statement.revision,
                        currency=statement.currency,
                        deal_amount=statement.deal_amount,
                        distributable_amount=statement.distributable,
                        tier=statement.tier,
                        rules=f"{statement.rule_set}@{statement.rule_version}",
                        notes=list(statement.notes),
                        approved_by=statement.approved_by,
                        decision_reason=statement.decision_reason,
                        reason=statement.reason,
                        reverses_statement_id=statement.reverses_statement_id,
                        replaces_statement_id=statement.replaces_statement_id,
                        issued_at=statement.issued_at,
                        lines=[
                            LineView(
                                line_id=line.line_id,
                                party_id=line.party_id,
                                channel=line.channel,
                                amount=line.amount,
                                rule=line.rule,
                                description=line.description,
                                reverses_line_id=line.reverses_line_id,
                                payment_status=line.status,
                                failed_attempts=line.failures,
                                payment_reference=line.payment_reference,
                            )
                            for line in lines
                        ],
                    )
                )
            return views

    async def reconciliation(self, period_text: str) -> Reconciliation:
        """Statements issued in the period (finance's calendar) against payments; ValueError for a bad period."""
        period = parse_period(period_text, self._zone)
        async with self._sessions() as session:
            pairs = await SettlementRepository(session).issued_between(period.start, period.end)
        rows = [
            LineRow(
                statement_id=statement.statement_id,
                kind=StatementKind(statement.kind),
                deal_id=statement.deal_id,
                issued_at=statement.issued_at or period.start,
                reverses_statement_id=statement.reverses_statement_id,
                statement_reversed=statement.status == StatementStatus.REVERSED,
                distributable=statement.distributable,
                line_id=line.line_id,
                reverses_line_id=line.reverses_line_id,
                party_id=line.party_id,
                channel=line.channel,
                rule=line.rule,
                amount=line.amount,
                status=LineStatus(line.status),
                failures=line.failures,
                payment_reference=line.payment_reference,
            )
            for statement, line in pairs
        ]
        return reconcile(period, rows)


def reconciliation_view(report: Reconciliation) -> ReconciliationView:
    def totals(lines: int, amount: Decimal) -> TotalsView:
        return TotalsView(lines=lines, amount=amount)

    buckets = {bucket: totals(t.lines, t.amount) for bucket, t in report.buckets.items()}
    return ReconciliationView(
        period=report.period.label,
        start=report.period.start,
        end=report.period.end,
        statements=report.statements,
        issued=totals(report.issued.lines, report.issued.amount),
        paid=buckets[Bucket.PAID],
        pending=buckets[Bucket.PENDING],
        failed=buckets[Bucket.FAILED],
        reversed=buckets[Bucket.REVERSED],
        reversals=totals(report.reversals.lines, report.reversals.amount),
        reversed_paid_before_reversal=totals(report.reversed_paid.lines, report.reversed_paid.amount),
        recovered=totals(report.recovered.lines, report.recovered.amount),
        net=report.net,
        balanced=report.balanced,
        problems=report.problems,
    )
