"""Registration's tables and the queries over them (SQLAlchemy 2 typed mappings)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID, uuid4

from sqlalchemy import BigInteger, Date, Integer, Numeric, String, UniqueConstraint, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from referee_shared.db.base import TYPE_ANNOTATION_MAP
from referee_shared.db.messaging import add_messaging_tables

from .domain.evidence import GENESIS, Entry, seal


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = TYPE_ANNOTATION_MAP


messaging = add_messaging_tables(Base.metadata)


class Lead(Base):
    __tablename__ = "leads"

    lead_id: Mapped[UUID] = mapped_column(primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    product_line: Mapped[str] = mapped_column(String(64))
    customer: Mapped[dict[str, Any]]
    customer_name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(40), index=True)
    estimated_amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))
    expected_close: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), index=True)
    received_at: Mapped[datetime] = mapped_column(index=True)
    partner_claimed_at: Mapped[datetime | None]
    rule_set: Mapped[str] = mapped_column(String(64))
    rule_version: Mapped[int]
    customer_key: Mapped[str | None] = mapped_column(String(80), index=True)
    reason_code: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(2000))
    decided_at: Mapped[datetime | None]
    correlation_id: Mapped[str] = mapped_column(String(64))
    protected_until: Mapped[datetime | None] = mapped_column(
        default=None, doc="for a lead rejected as a duplicate: until when the customer is protected"
    )
    deal_id: Mapped[str | None] = mapped_column(String(64), default=None, doc="the deal that closed it, won or lost")
    sent_by: Mapped[dict[str, Any] | None] = mapped_column(
        default=None, doc="the submission's producer and signature, for the evidence record"
    )


class Lock(Base):
    __tablename__ = "locks"

    lock_id: Mapped[UUID] = mapped_column(primary_key=True)
    lead_id: Mapped[UUID] = mapped_column(unique=True)
    partner_id: Mapped[str] = mapped_column(String(64), index=True)
    customer_key: Mapped[str] = mapped_column(String(80), index=True)
    status: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    rule_set: Mapped[str] = mapped_column(String(64))
    rule_version: Mapped[int]
    workflow_id: Mapped[str] = mapped_column(String(120))
    ended_at: Mapped[datetime | None]
    extensions_granted: Mapped[int] = mapped_column(default=0, server_default="0")
    pending_task_id: Mapped[str | None] = mapped_column(String(120), default=None)
    pending_task_due_at: Mapped[datetime | None] = mapped_column(default=None)


class LeadTransition(Base):
    """One move of a lead through its lifecycle; the funnel is counted from these rows."""

    __tablename__ = "lead_transitions"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    lead_id: Mapped[UUID] = mapped_column(index=True)
    partner_id: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    product_line: Mapped[str] = mapped_column(String(64))
    region: Mapped[str | None] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(String(2000))


class EvidenceRecord(Base):
    """An append-only record of a customer's trail, chained to the one before it by hash."""

    __tablename__ = "evidence_records"
    __table_args__ = (UniqueConstraint("chain", "seq", name="uq_evidence_chain_seq"),)

    record_id: Mapped[UUID] = mapped_column(primary_key=True)
    chain: Mapped[str] = mapped_column(String(120), index=True)
    seq: Mapped[int]
    recorded_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))
    lead_id: Mapped[UUID | None] = mapped_column(index=True)
    content: Mapped[dict[str, Any]]
    rule_set: Mapped[str | None] = mapped_column(String(64))
    rule_version: Mapped[int | None]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def entry(self) -> Entry:
        return Entry(
            record_id=str(self.record_id),
            chain=self.chain,
            seq=self.seq,
            recorded_at=self.recorded_at,
            actor=self.actor,
            kind=self.kind,
            lead_id=str(self.lead_id) if self.lead_id else None,
            content=self.content,
            rule_set=self.rule_set,
            rule_version=self.rule_version,
            prev_hash=self.prev_hash,
            hash=self.hash,
        )


class EvidenceHead(Base):
    """The last position and hash of each chain, kept apart so records removed from the end are noticed."""

    __tablename__ = "evidence_heads"

    chain: Mapped[str] = mapped_column(String(120), primary_key=True)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))


class LeadRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, lead_id: UUID) -> Lead | None:
        return await self._session.get(Lead, lead_id)

    async def get_for_update(self, lead_id: UUID) -> Lead | None:
        result = await self._session.execute(select(Lead).where(Lead.lead_id == lead_id).with_for_update())
        return result.scalar_one_or_none()

    def add(self, lead: Lead) -> None:
        self._session.add(lead)

    async def lock_of(self, lead_id: UUID) -> Lock | None:
        result = await self._session.execute(select(Lock).where(Lock.lead_id == lead_id))
        return result.scalar_one_or_none()

    async def get_lock(self, lock_id: UUID) -> Lock | None:
        return await self._session.get(Lock, lock_id)

    async def get_lock_for_update(self, lock_id: UUID) -> Lock | None:
        result = await self._session.execute(select(Lock).where(Lock.lock_id == lock_id).with_for_update())
        return result.scalar_one_or_none()

    async def active_lock_on(self, customer_key: str) -> Lock | None:
        result = await self._session.execute(
            select(Lock).where(Lock.customer_key == customer_key, Lock.status == "active").limit(1)
        )
        return result.scalar_one_or_none()

    async def submitted_by_since(self, partner_id: str, since: datetime) -> int:
        """Registrations of a partner received since ``since`` (the fair limits count them)."""
        query = select(func.count()).select_from(Lead).where(Lead.partner_id == partner_id, Lead.received_at >= since)
        return int((await self._session.execute(query)).scalar_one())

    async def open_locks_of(self, partner_id: str) -> int:
        query = select(func.count()).select_from(Lock).where(Lock.partner_id == partner_id, Lock.status == "active")
        return int((await self._session.execute(query)).scalar_one())

    def add_lock(self, lock: Lock) -> None:
        self._session.add(lock)

    async def of_partner(self, partner_id: str, *, limit: int, offset: int) -> Sequence[Lead]:
        query = (
            select(Lead)
            .where(Lead.partner_id == partner_id)
            .order_by(Lead.received_at.desc())
            .limit(limit)
            .offset(offset)
        )
        return (await self._session.execute(query)).scalars().all()

    async def of_customer(self, customer_key: str) -> Sequence[Lead]:
        query = select(Lead).where(Lead.customer_key == customer_key).order_by(Lead.received_at)
        return (await self._session.execute(query)).scalars().all()

    async def locks_on(self, customer_key: str) -> Sequence[Lock]:
        query = select(Lock).where(Lock.customer_key == customer_key).order_by(Lock.starts_at)
        return (await self._session.execute(query)).scalars().all()

    async def latest_of_partner_on(self, partner_id: str, customer_key: str) -> Lead | None:
        query = (
            select(Lead)
            .where(Lead.partner_id == partner_id, Lead.customer_key == customer_key)
            .order_by(Lead.received_at.desc())
            .limit(1)
        )
        return (await self._session.execute(query)).scalar_one_or_none()


FUNNEL_GROUPS = {
    "partner": LeadTransition.partner_id,
    "region": LeadTransition.region,
    "channel": LeadTransition.channel,
}


class TransitionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, transition: LeadTransition) -> None:
        self._session.add(transition)

    async def of_lead(self, lead_id: UUID) -> Sequence[LeadTransition]:
        query = select(LeadTransition).where(LeadTransition.lead_id == lead_id).order_by(LeadTransition.id)
        return (await self._session.execute(query)).scalars().all()

    async def funnel(
        self,
        *,
        since: datetime,
        until: datetime,
        group_by: str | None,
        partner_id: str | None = None,
        region: str | None = None,
        channel: str | None = None,
        product_line: str | None = None,
    ) -> list[tuple[str | None, str, int]]:
        """(group value, status, distinct leads that entered it) for moves in [since, until)."""
        group = FUNNEL_GROUPS[group_by] if group_by else None
        columns: list[Any] = [LeadTransition.to_status, func.count(LeadTransition.lead_id.distinct())]
        query = select(*columns, *([group] if group is not None else [])).where(
            LeadTransition.at >= since, LeadTransition.at < until
        )
        filters = {
            LeadTransition.partner_id: partner_id,
            LeadTransition.region: region,
            LeadTransition.channel: channel,
            LeadTransition.product_line: product_line,
        }
        for column, value in filters.items():
            if value is not None:
                query = query.where(column == value)
        query = query.group_by(LeadTransition.to_status, *([group] if group is not None else []))
        rows = (await self._session.execute(query)).all()
        return [(row[2] if group is not None else None, row[0], int(row[1])) for row in rows]


@dataclass(frozen=True)
class NewRecord:
    """A record to chain: what happened and who did it; position, time and hashes are the store's."""

    kind: str
    actor: str
    lead_id: UUID | None
    content: dict[str, Any]
    rule_set: str | None
    rule_version: int | None


class EvidenceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def append(self, chain: str, records: Sequence[NewRecord], *, recorded_at: datetime) -> list[EvidenceRecord]:
        """Chain records after the chain's head, in order; the head row's lock orders concurrent appends."""
        seq, prev_hash = await self._lock_head(chain)
        appended = []
        for new in records:
            record_id = uuid4()
            entry = seal(
                record_id=str(record_id),
                chain=chain,
                seq=seq + 1,
                recorded_at=recorded_at,
                actor=new.actor,
                kind=new.kind,
                lead_id=str(new.lead_id) if new.lead_id else None,
                content=new.content,
                rule_set=new.rule_set,
                rule_version=new.rule_version,
                prev_hash=prev_hash,
            )
            appended.append(
                EvidenceRecord(
                    record_id=record_id,
                    chain=chain,
                    seq=entry.seq,
                    recorded_at=recorded_at,
                    actor=new.actor,
                    kind=new.kind,
                    lead_id=new.lead_id,
                    content=new.content,
                    rule_set=new.rule_set,
                    rule_version=new.rule_version,
                    prev_hash=entry.prev_hash,
                    hash=entry.hash,
                )
            )
            seq, prev_hash = entry.seq, entry.hash
        self._session.add_all(appended)
        await self._session.execute(
            update(EvidenceHead).where(EvidenceHead.chain == chain).values(seq=seq, hash=prev_hash)
        )
        return appended

    async def _lock_head(self, chain: str) -> tuple[int, str]:
        """The chain's last position and hash, its row locked until commit; one statement, created if new."""
        insert = pg_insert if self._session.get_bind().dialect.name == "postgresql" else sqlite_insert
        statement = (
            insert(EvidenceHead)
            .values(chain=chain, seq=0, hash=GENESIS)
            .on_conflict_do_update(index_elements=["chain"], set_={"seq": EvidenceHead.seq})
            .returning(EvidenceHead.seq, EvidenceHead.hash)
        )
        head = (await self._session.execute(statement)).one()
        return int(head.seq), str(head.hash)

    async def entries(self, chain: str) -> list[Entry]:
        query = select(EvidenceRecord).where(EvidenceRecord.chain == chain).order_by(EvidenceRecord.seq)
        return [record.entry() for record in (await self._session.execute(query)).scalars()]

    async def head(self, chain: str) -> tuple[int, str] | None:
        head = await self._session.get(EvidenceHead, chain)
        return (head.seq, head.hash) if head else None

    async def chains(self) -> list[str]:
        return list((await self._session.execute(select(EvidenceHead.chain).order_by(EvidenceHead.chain))).scalars())

    async def chain_of_lead(self, lead_id: UUID) -> str | None:
        query = select(EvidenceRecord.chain).where(EvidenceRecord.lead_id == lead_id).limit(1)
        return (await self._session.execute(query)).scalar_one_or_none()
