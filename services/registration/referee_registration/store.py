"""Registration's tables and the queries over them (SQLAlchemy 2 typed mappings)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

from sqlalchemy import Date, Numeric, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from referee_shared.db.base import TYPE_ANNOTATION_MAP
from referee_shared.db.messaging import add_messaging_tables


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

    def add_lock(self, lock: Lock) -> None:
        self._session.add(lock)
