"""Arbitration's tables: disputes with their case files, steps, statements and rulings; and the
registrations it has seen, which the conflict rate is counted against."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from sqlalchemy import BigInteger, Integer, String, Text, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from referee_shared.db.base import TYPE_ANNOTATION_MAP
from referee_shared.db.messaging import add_messaging_tables

from .domain.status import DisputeStatus


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = TYPE_ANNOTATION_MAP


messaging = add_messaging_tables(Base.metadata)


class Dispute(Base):
    __tablename__ = "disputes"

    dispute_id: Mapped[UUID] = mapped_column(primary_key=True)
    opened_by: Mapped[str] = mapped_column(String(16))
    claimant_id: Mapped[str] = mapped_column(String(64), index=True)
    respondent_ids: Mapped[list[Any]]
    lead_id: Mapped[UUID | None]
    customer_key: Mapped[str | None] = mapped_column(String(80))
    claim: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[Any]]
    status: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime]
    correlation_id: Mapped[str] = mapped_column(String(64))
    refusal_code: Mapped[str | None] = mapped_column(String(40), default=None)
    refusal_reason: Mapped[str | None] = mapped_column(Text, default=None)
    chain: Mapped[str | None] = mapped_column(String(120), index=True, default=None)
    contested_lead_id: Mapped[UUID | None] = mapped_column(default=None)
    holder_id: Mapped[str | None] = mapped_column(String(64), default=None)
    region: Mapped[str] = mapped_column(String(40), default="unknown", server_default="unknown")
    channel: Mapped[str] = mapped_column(String(16), default="unknown", server_default="unknown")
    product_line: Mapped[str | None] = mapped_column(String(64), default=None)
    rule_set: Mapped[str | None] = mapped_column(String(64), default=None)
    rule_version: Mapped[int | None] = mapped_column(default=None)
    workflow_id: Mapped[str | None] = mapped_column(String(200), default=None)
    level: Mapped[int | None] = mapped_column(default=None)
    task_id: Mapped[str | None] = mapped_column(String(120), default=None)
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    statements_close_at: Mapped[datetime | None] = mapped_column(default=None)
    appeal_until: Mapped[datetime | None] = mapped_column(default=None)
    appealed: Mapped[bool] = mapped_column(default=False, server_default=false())
    evidence_digest: Mapped[str | None] = mapped_column(String(64), default=None)
    evidence_intact: Mapped[bool | None] = mapped_column(default=None)
    evidence_findings: Mapped[list[Any] | None] = mapped_column(default=None)
    evidence_gathered_at: Mapped[datetime | None] = mapped_column(default=None)
    case_file: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    escalated_at: Mapped[datetime | None] = mapped_column(default=None)
    ruled_at: Mapped[datetime | None] = mapped_column(default=None)
    final_at: Mapped[datetime | None] = mapped_column(default=None)
    outcome: Mapped[str | None] = mapped_column(String(16), default=None)

    @property
    def parties(self) -> list[str]:
        return [self.claimant_id, *self.respondent_ids]

    @property
    def state(self) -> DisputeStatus:
        return DisputeStatus(self.status)


class DisputeStepRecord(Base):
    __tablename__ = "dispute_steps"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    dispute_id: Mapped[UUID] = mapped_column(index=True)
    step: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text)
    level: Mapped[int | None]
    due_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(16))
    reason_code: Mapped[str | None] = mapped_column(String(40))


class Statement(Base):
    __tablename__ = "dispute_statements"

    statement_id: Mapped[UUID] = mapped_column(primary_key=True)
    dispute_id: Mapped[UUID] = mapped_column(index=True)
    party_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), doc="statement, or appeal (the grounds of an appeal)")
    text: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[Any]]
    added_at: Mapped[datetime]


class Ruling(Base):
    __tablename__ = "dispute_rulings"

    ruling_id: Mapped[UUID] = mapped_column(primary_key=True)
    dispute_id: Mapped[UUID] = mapped_column(index=True)
    level: Mapped[int]
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(120))
    decided_at: Mapped[datetime]
    lead_id: Mapped[UUID | None]
    new_holder_id: Mapped[str | None] = mapped_column(String(64))
    new_holder_channel: Mapped[str | None] = mapped_column(String(16), default=None)
    shares: Mapped[list[Any]]
    evidence_digest: Mapped[str] = mapped_column(String(64))
    rule_set: Mapped[str] = mapped_column(String(64))
    rule_version: Mapped[int]
    appeal_until: Mapped[datetime | None]
    final: Mapped[bool] = mapped_column(default=False)


class Registration(Base):
    """A registration as seen on leads.submitted and leads.decisions (either may arrive first)."""

    __tablename__ = "registrations"

    lead_id: Mapped[UUID] = mapped_column(primary_key=True)
    partner_id: Mapped[str | None] = mapped_column(String(64), default=None)
    channel: Mapped[str | None] = mapped_column(String(16), default=None)
    product_line: Mapped[str | None] = mapped_column(String(64), default=None)
    region: Mapped[str | None] = mapped_column(String(40), default=None)
    outcome: Mapped[str | None] = mapped_column(String(16), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(index=True, default=None)


class ChainAnchor(Base):
    """A chain head registration signed on evidence.checkpoints: a case file's trail must still match it."""

    __tablename__ = "chain_anchors"

    chain: Mapped[str] = mapped_column(String(120), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class DisputeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, dispute_id: UUID) -> Dispute | None:
        return await self._session.get(Dispute, dispute_id)

    def add(self, dispute: Dispute) -> None:
        self._session.add(dispute)

    async def open_one_of(self, claimant_id: str, chain: str) -> UUID | None:
        """The claimant's dispute about this customer that is still open, if any."""
        open_states = [s.value for s in DisputeStatus if s.is_open]
        query = select(Dispute.dispute_id).where(
            Dispute.claimant_id == claimant_id, Dispute.chain == chain, Dispute.status.in_(open_states)
        )
        return (await self._session.execute(query.limit(1))).scalar_one_or_none()

    async def listing(self, *, party_id: str | None, status: str | None) -> list[Dispute]:
        query = select(Dispute).order_by(Dispute.opened_at.desc())
        if status:
            query = query.where(Dispute.status == status)
        found = list((await self._session.execute(query)).scalars())
        # Respondents live in a JSON list: filtered here, which is plenty for the number of disputes.
        return [d for d in found if party_id is None or party_id in d.parties]

    async def all_since(self, moment: datetime) -> list[Dispute]:
        query = select(Dispute).where(
            or_(Dispute.opened_at >= moment, Dispute.final_at >= moment, Dispute.escalated_at >= moment)
        )
        return list((await self._session.execute(query)).scalars())

    def add_step(self, step: DisputeStepRecord) -> None:
        self._session.add(step)

    async def steps(self, dispute_id: UUID) -> list[DisputeStepRecord]:
        query = select(DisputeStepRecord).where(DisputeStepRecord.dispute_id == dispute_id)
        return list((await self._session.execute(query.order_by(DisputeStepRecord.id))).scalars())

    def add_statement(self, statement: Statement) -> None:
        self._session.add(statement)

    async def statements(self, dispute_id: UUID) -> list[Statement]:
        query = select(Statement).where(Statement.dispute_id == dispute_id).order_by(Statement.added_at)
        return list((await self._session.execute(query)).scalars())

    def add_ruling(self, ruling: Ruling) -> None:
        self._session.add(ruling)

    async def rulings(self, dispute_id: UUID) -> list[Ruling]:
        query = select(Ruling).where(Ruling.dispute_id == dispute_id).order_by(Ruling.decided_at)
        return list((await self._session.execute(query)).scalars())


class RegistrationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, lead_id: UUID) -> Registration | None:
        return await self._session.get(Registration, lead_id)

    async def get_or_add(self, lead_id: UUID) -> Registration:
        found = await self.get(lead_id)
        if found is None:
            found = Registration(lead_id=lead_id)
            self._session.add(found)
        return found

    async def accepted_between(self, since: datetime, until: datetime) -> list[Registration]:
        query = select(Registration).where(
            Registration.outcome == "accepted", Registration.decided_at >= since, Registration.decided_at < until
        )
        return list((await self._session.execute(query)).scalars())
