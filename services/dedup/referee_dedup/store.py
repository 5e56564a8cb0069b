"""Dedup's tables: known customers, who claims each, and every verdict given."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from referee_shared.db.base import TYPE_ANNOTATION_MAP
from referee_shared.db.messaging import add_messaging_tables


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = TYPE_ANNOTATION_MAP


messaging = add_messaging_tables(Base.metadata)


class Customer(Base):
    __tablename__ = "customers"

    customer_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    region: Mapped[str] = mapped_column(String(40), index=True)
    identity: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class Claim(Base):
    """Who protects a customer right now; at most one active claim per customer."""

    __tablename__ = "claims"

    customer_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    lead_id: Mapped[UUID] = mapped_column(index=True)
    partner_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    protected_until: Mapped[datetime]
    claimed_at: Mapped[datetime]


class Verdict(Base):
    __tablename__ = "verdicts"

    lead_id: Mapped[UUID] = mapped_column(primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    customer_key: Mapped[str] = mapped_column(String(80), index=True)
    matched_customer_key: Mapped[str | None] = mapped_column(String(80))
    reason_code: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(2000))
    explanation: Mapped[list[Any]]
    rule_set: Mapped[str] = mapped_column(String(64))
    rule_version: Mapped[int]
    decided_at: Mapped[datetime]


class CustomerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def by_uscc(self, uscc: str) -> Customer | None:
        return (await self._session.execute(select(Customer).where(Customer.uscc == uscc))).scalar_one_or_none()

    async def by_phone(self, phone: str) -> Customer | None:
        result = await self._session.execute(select(Customer).where(Customer.phone == phone).limit(1))
        return result.scalar_one_or_none()

    async def by_name_key(self, key: str) -> Customer | None:
        result = await self._session.execute(select(Customer).where(Customer.name_key == key).limit(1))
        return result.scalar_one_or_none()

    def add(self, customer: Customer) -> None:
        self._session.add(customer)

    async def claim(self, customer_key: str) -> Claim | None:
        result = await self._session.execute(select(Claim).where(Claim.customer_key == customer_key).with_for_update())
        return result.scalar_one_or_none()

    def add_claim(self, claim: Claim) -> None:
        self._session.add(claim)

    async def verdict(self, lead_id: UUID) -> Verdict | None:
        return await self._session.get(Verdict, lead_id)

    def add_verdict(self, verdict: Verdict) -> None:
        self._session.add(verdict)
