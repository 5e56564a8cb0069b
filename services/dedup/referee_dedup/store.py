"""Dedup's tables: known customers and the log the index follows, claims, verdicts, reviews and bindings."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from sqlalchemy import BigInteger, Float, Integer, String, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from referee_shared.db.base import TYPE_ANNOTATION_MAP
from referee_shared.db.messaging import add_messaging_tables


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = TYPE_ANNOTATION_MAP


messaging = add_messaging_tables(Base.metadata)
_SERIAL = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements only INTEGER primary keys


class Customer(Base):
    """A customer as first written; an alias (merged_into set) is another way of writing a customer."""

    __tablename__ = "customers"

    customer_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    region: Mapped[str] = mapped_column(String(40), index=True)
    identity: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    lat: Mapped[float | None] = mapped_column(Float, index=True)
    lon: Mapped[float | None] = mapped_column(Float)
    merged_into: Mapped[str | None] = mapped_column(String(80), index=True)
    tags: Mapped[dict[str, Any] | None]
    # the normalised profile, written with the row (index_sync.py), so a restart need not normalise again
    profile: Mapped[list[Any] | None]


class CustomerLog(Base):
    """Every write to customers, in commit-independent sequence order: what each instance's index follows."""

    __tablename__ = "customer_log"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    customer_key: Mapped[str] = mapped_column(String(80))
    logged_at: Mapped[datetime]


class Claim(Base):
    """Who protects a customer (or one slice of it) right now; at most one active claim per key."""

    __tablename__ = "claims"

    customer_key: Mapped[str] = mapped_column(String(120), primary_key=True)  # customer, or customer#slice
    lead_id: Mapped[UUID] = mapped_column(index=True)
    partner_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    protected_until: Mapped[datetime]
    claimed_at: Mapped[datetime]
    account_key: Mapped[str | None] = mapped_column(String(80), index=True)
    slice: Mapped[str | None] = mapped_column(String(100))


class VerdictRecord(Base):
    """Every verdict given on a lead, in order: the first answer and any answer after a review."""

    __tablename__ = "verdict_log"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    lead_id: Mapped[UUID] = mapped_column(index=True)
    partner_id: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    customer_key: Mapped[str] = mapped_column(String(120), index=True)
    matched_customer_key: Mapped[str | None] = mapped_column(String(80))
    reason_code: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(2000))
    explanation: Mapped[list[Any]]
    rule_set: Mapped[str] = mapped_column(String(64))
    rule_version: Mapped[int]
    decided_at: Mapped[datetime]
    protected_until: Mapped[datetime | None]
    tier: Mapped[str | None] = mapped_column(String(60))
    review_task_id: Mapped[str | None] = mapped_column(String(120))


class Review(Base):
    """A possible duplicate waiting for (or decided by) a reviewer; holds the claim to apply afterwards."""

    __tablename__ = "reviews"

    task_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    lead_id: Mapped[UUID] = mapped_column(unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # possible_duplicate, cross_region
    workflow_id: Mapped[str] = mapped_column(String(200))
    request: Mapped[dict[str, Any]]
    candidates: Mapped[list[Any]]
    workflow_input: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    """the review workflow's input: started after the claim's commit, or by a redelivery that finds it not started"""
    correlation_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))  # open, decided
    choice: Mapped[str | None] = mapped_column(String(32))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decision_reason: Mapped[str | None] = mapped_column(String(4000))
    opened_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]


class PairDecision(Base):
    """A reviewer's word that two customers are the same (an alias) or distinct; never asked again."""

    __tablename__ = "pair_decisions"

    customer_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    other_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    relation: Mapped[str] = mapped_column(String(16))  # same, distinct
    task_id: Mapped[str] = mapped_column(String(120))
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[datetime]


class SliceBinding(Base):
    """A slice of a large account bound to one partner by an administrator."""

    __tablename__ = "slice_bindings"

    customer_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    slice: Mapped[str] = mapped_column(String(100), primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(64))
    bound_by: Mapped[str] = mapped_column(String(100))
    bound_at: Mapped[datetime]


class CustomerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, key: str) -> Customer | None:
        return await self._session.get(Customer, key)

    async def many(self, keys: Sequence[str]) -> list[Customer]:
        if not keys:
            return []
        return list((await self._session.execute(select(Customer).where(Customer.customer_key.in_(keys)))).scalars())

    async def by_uscc(self, uscc: str) -> Customer | None:
        return (await self._session.execute(select(Customer).where(Customer.uscc == uscc))).scalar_one_or_none()

    async def add(self, customer: Customer, now: datetime) -> None:
        """Insert a customer and log the write, so every instance's index picks it up."""
        self._session.add(customer)
        self._session.add(CustomerLog(customer_key=customer.customer_key, logged_at=now))
        await self._session.flush()

    async def aliases_of(self, key: str) -> list[Customer]:
        return list((await self._session.execute(select(Customer).where(Customer.merged_into == key))).scalars())

    async def claims_of_account(self, account_key: str) -> list[Claim]:
        query = select(Claim).where(Claim.account_key == account_key).with_for_update()
        return list((await self._session.execute(query)).scalars())

    async def claims_of_accounts(self, account_keys: Sequence[str]) -> list[Claim]:
        if not account_keys:
            return []
        query = select(Claim).where(Claim.account_key.in_(account_keys)).with_for_update()
        return list((await self._session.execute(query)).scalars())

    async def claim(self, key: str) -> Claim | None:
        result = await self._session.execute(select(Claim).where(Claim.customer_key == key).with_for_update())
        return result.scalar_one_or_none()

    async def claim_of_lead(self, lead_id: UUID) -> Claim | None:
        result = await self._session.execute(select(Claim).where(Claim.lead_id == lead_id).with_for_update())
        return result.scalars().first()

    def add_claim(self, claim: Claim) -> None:
        self._session.add(claim)

    async def protected_near(
        self, min_lat: float, max_lat: float, min_lon: float, max_lon: float
    ) -> list[tuple[Claim, Customer]]:
        query = (
            select(Claim, Customer)
            .join(Customer, Customer.customer_key == Claim.account_key)
            .where(Claim.status == "active")
            .where(Customer.lat.between(min_lat, max_lat), Customer.lon.between(min_lon, max_lon))
        )
        return [(row[0], row[1]) for row in (await self._session.execute(query)).all()]

    async def verdicts(self, lead_id: UUID) -> list[VerdictRecord]:
        query = select(VerdictRecord).where(VerdictRecord.lead_id == lead_id).order_by(VerdictRecord.id)
        return list((await self._session.execute(query)).scalars())

    def add_verdict(self, verdict: VerdictRecord) -> None:
        self._session.add(verdict)

    async def review_of_lead(self, lead_id: UUID) -> Review | None:
        found: Review | None = await self._session.scalar(select(Review).where(Review.lead_id == lead_id))
        return found

    async def review(self, task_id: str) -> Review | None:
        result = await self._session.execute(select(Review).where(Review.task_id == task_id).with_for_update())
        return result.scalar_one_or_none()

    def add_review(self, review: Review) -> None:
        self._session.add(review)

    async def decisions_about(self, keys: Sequence[str]) -> list[PairDecision]:
        if not keys:
            return []
        query = select(PairDecision).where(PairDecision.customer_key.in_(keys) | PairDecision.other_key.in_(keys))
        return list((await self._session.execute(query)).scalars())

    def add_decision(self, decision: PairDecision) -> None:
        self._session.add(decision)

    async def bindings(self, customer_key: str) -> list[SliceBinding]:
        query = select(SliceBinding).where(SliceBinding.customer_key == customer_key)
        return list((await self._session.execute(query)).scalars())

    async def bindings_of(self, customer_keys: Sequence[str]) -> list[SliceBinding]:
        if not customer_keys:
            return []
        query = select(SliceBinding).where(SliceBinding.customer_key.in_(customer_keys))
        return list((await self._session.execute(query)).scalars())

    async def bind(self, binding: SliceBinding) -> None:
        await self._session.merge(binding)

    async def lock_region(self, region: str) -> None:
        """Serialise the claims of one region across every instance (PostgreSQL; SQLite has one writer)."""
        await self._advisory_lock(_REGION_LOCKS, _lock_number(region))

    async def lock_cells(self, cells: Sequence[int]) -> None:
        """Serialise claims near each other across regions: one lock per coarse grid cell, in order."""
        for cell in sorted({_lock_number(str(c)) for c in cells}):
            await self._advisory_lock(_CELL_LOCKS, cell)

    async def _advisory_lock(self, space: int, number: int) -> None:
        if self._session.get_bind().dialect.name == "postgresql":
            await self._session.execute(
                text("SELECT pg_advisory_xact_lock(:space, :number)"), {"space": space, "number": number}
            )


_REGION_LOCKS, _CELL_LOCKS = 4_001, 4_002


def _lock_number(value: str) -> int:
    return zlib.crc32(value.encode()) - 2**31  # a signed 32-bit int, as pg_advisory_xact_lock(int, int) wants
