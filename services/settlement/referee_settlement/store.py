"""Settlement's tables: deals as received, rulings that change credit, statements and their lines with
payment state, approval tasks, and payment reports as received."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

from sqlalchemy import Numeric, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from referee_shared.db.base import TYPE_ANNOTATION_MAP
from referee_shared.db.messaging import add_messaging_tables


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = TYPE_ANNOTATION_MAP


messaging = add_messaging_tables(Base.metadata)

MONEY = Numeric(18, 2)


class Deal(Base):
    """The latest terms of a closed deal; ``revision`` counts changes that call for a new settlement."""

    __tablename__ = "deals"

    deal_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    lead_id: Mapped[UUID] = mapped_column(index=True)
    outcome: Mapped[str] = mapped_column(String(8))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    closed_at: Mapped[datetime]
    contributors: Mapped[list[Any]]
    received_at: Mapped[datetime]
    product_line: Mapped[str | None] = mapped_column(String(64))
    owner_id: Mapped[str | None] = mapped_column(String(64))
    owner_channel: Mapped[str | None] = mapped_column(String(8))
    digest: Mapped[str] = mapped_column(String(64), default="")
    revision: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16))
    workflow_id: Mapped[str | None] = mapped_column(String(200))
    blocked_reason: Mapped[str | None] = mapped_column(String(1000))
    reversal_kind: Mapped[str | None] = mapped_column(String(16))
    reversal_reason: Mapped[str | None] = mapped_column(String(1000))
    reversed_at: Mapped[datetime | None]
    correlation_id: Mapped[str] = mapped_column(String(100), default="")


class CreditRuling(Base):
    """The latest arbitration ruling on a lead, which may transfer it or share its credit."""

    __tablename__ = "credit_rulings"

    lead_id: Mapped[UUID] = mapped_column(primary_key=True)
    dispute_id: Mapped[UUID]
    outcome: Mapped[str] = mapped_column(String(16))
    new_holder_id: Mapped[str | None] = mapped_column(String(64))
    new_holder_channel: Mapped[str | None] = mapped_column(String(8))
    shares: Mapped[list[Any]]
    decided_at: Mapped[datetime]
    received_at: Mapped[datetime]


class Statement(Base):
    __tablename__ = "statements"

    statement_id: Mapped[UUID] = mapped_column(primary_key=True)
    deal_id: Mapped[str] = mapped_column(String(64), index=True)
    revision: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24), index=True)
    reverses_statement_id: Mapped[UUID | None] = mapped_column(unique=True)
    replaces_statement_id: Mapped[UUID | None]
    lead_id: Mapped[UUID]
    currency: Mapped[str] = mapped_column(String(3))
    deal_amount: Mapped[Decimal] = mapped_column(MONEY)
    distributable: Mapped[Decimal] = mapped_column(MONEY)
    tier: Mapped[str | None] = mapped_column(String(64))
    rule_set: Mapped[str] = mapped_column(String(64))
    rule_version: Mapped[int]
    notes: Mapped[list[Any]]
    reason: Mapped[str] = mapped_column(String(1000), default="")
    approved_by: Mapped[str | None] = mapped_column(String(64))
    decision_reason: Mapped[str | None] = mapped_column(String(4000))
    created_at: Mapped[datetime]
    issued_at: Mapped[datetime | None] = mapped_column(index=True)


class StatementLine(Base):
    __tablename__ = "statement_lines"

    line_id: Mapped[UUID] = mapped_column(primary_key=True)
    statement_id: Mapped[UUID] = mapped_column(index=True)
    position: Mapped[int]
    party_id: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    rule: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(1000))
    reverses_line_id: Mapped[UUID | None]
    status: Mapped[str] = mapped_column(String(8), default="pending")
    failures: Mapped[int] = mapped_column(default=0)
    payment_reference: Mapped[str] = mapped_column(String(100), default="")
    last_failure_reason: Mapped[str] = mapped_column(String(1000), default="")
    updated_at: Mapped[datetime]


class ApprovalTask(Base):
    __tablename__ = "approval_tasks"

    task_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    statement_id: Mapped[UUID] = mapped_column(index=True)
    level: Mapped[int]
    status: Mapped[str] = mapped_column(String(8))
    outcome: Mapped[str | None] = mapped_column(String(16))
    reminders: Mapped[int] = mapped_column(default=0)
    opened_at: Mapped[datetime]
    due_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class LeadHolder(Base):
    """Who holds each lead, as registration's lock events say: a deal is settled only for that partner."""

    __tablename__ = "lead_holders"

    lead_id: Mapped[UUID] = mapped_column(primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(64))
    lock_status: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime]


class DisputeHeard(Base):
    """A dispute as arbitration announced it on disputes.events: a ruling moves credit only if it matches one."""

    __tablename__ = "disputes_seen"

    dispute_id: Mapped[UUID] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    parties: Mapped[list[Any]]
    rulings: Mapped[list[Any]]
    """every ruling step announced: {"by", "outcome", "level"}"""
    updated_at: Mapped[datetime]


class PartnerChannel(Base):
    """Each partner's channel as the partner registry (partners.registry) says: a deal's channels are checked on it."""

    __tablename__ = "partner_channels"

    partner_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime]


class PaymentReport(Base):
    __tablename__ = "payment_reports"

    payment_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    statement_id: Mapped[UUID] = mapped_column(index=True)
    line_id: Mapped[UUID] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(8))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    reference: Mapped[str] = mapped_column(String(100))
    failure_reason: Mapped[str] = mapped_column(String(1000))
    reported_at: Mapped[datetime]
    received_at: Mapped[datetime]


class SettlementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, row: Base) -> None:
        self._session.add(row)

    async def deal_for_update(self, deal_id: str) -> Deal | None:
        result = await self._session.execute(select(Deal).where(Deal.deal_id == deal_id).with_for_update())
        return result.scalar_one_or_none()

    async def deals_of_lead_for_update(self, lead_id: UUID) -> Sequence[Deal]:
        query = select(Deal).where(Deal.lead_id == lead_id).order_by(Deal.deal_id).with_for_update()
        return (await self._session.execute(query)).scalars().all()

    async def deal(self, deal_id: str) -> Deal | None:
        return await self._session.get(Deal, deal_id)

    async def ruling(self, lead_id: UUID) -> CreditRuling | None:
        return await self._session.get(CreditRuling, lead_id)

    async def statement(self, statement_id: UUID) -> Statement | None:
        return await self._session.get(Statement, statement_id)

    async def statement_for_update(self, statement_id: UUID) -> Statement | None:
        query = select(Statement).where(Statement.statement_id == statement_id).with_for_update()
        return (await self._session.execute(query)).scalar_one_or_none()

    async def issued_original(self, deal_id: str) -> Statement | None:
        """The deal's statement in force: issued to finance and not reversed."""
        query = select(Statement).where(
            Statement.deal_id == deal_id, Statement.kind == "original", Statement.status == "issued"
        )
        return (await self._session.execute(query)).scalar_one_or_none()

    async def statements_of_deal(self, deal_id: str) -> Sequence[Statement]:
        query = select(Statement).where(Statement.deal_id == deal_id).order_by(Statement.created_at)
        return (await self._session.execute(query)).scalars().all()

    async def lines(self, statement_id: UUID) -> Sequence[StatementLine]:
        query = select(StatementLine).where(StatementLine.statement_id == statement_id).order_by(StatementLine.position)
        return (await self._session.execute(query)).scalars().all()

    async def line_for_update(self, line_id: UUID) -> StatementLine | None:
        query = select(StatementLine).where(StatementLine.line_id == line_id).with_for_update()
        return (await self._session.execute(query)).scalar_one_or_none()

    async def task(self, task_id: str) -> ApprovalTask | None:
        return await self._session.get(ApprovalTask, task_id)

    async def lead_holder(self, lead_id: UUID) -> LeadHolder | None:
        return await self._session.get(LeadHolder, lead_id)

    async def dispute_heard(self, dispute_id: UUID) -> DisputeHeard | None:
        return await self._session.get(DisputeHeard, dispute_id, with_for_update=True)

    async def partner_channel(self, partner_id: str) -> PartnerChannel | None:
        return await self._session.get(PartnerChannel, partner_id)

    async def payment_report(self, payment_id: str) -> PaymentReport | None:
        return await self._session.get(PaymentReport, payment_id)

    async def issued_between(self, start: datetime, end: datetime) -> Sequence[tuple[Statement, StatementLine]]:
        query = (
            select(Statement, StatementLine)
            .join(StatementLine, StatementLine.statement_id == Statement.statement_id)
            .where(Statement.issued_at >= start, Statement.issued_at < end)
            .order_by(Statement.issued_at, StatementLine.position)
        )
        return [(row[0], row[1]) for row in (await self._session.execute(query)).all()]
