"""The demand board's tables (procurement plans and visits of shared accounts) and their repository.

Beside dedup's other tables because the board is read through dedup's records: which customer an
account is, its region, and which partners hold its slices and claims (``store.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Numeric, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from .store import Base, Claim, Customer, SliceBinding

MONEY = Numeric(18, 2)


class BoardPlan(Base):
    """A procurement plan of a shared account, as one partner reported it."""

    __tablename__ = "board_plans"

    plan_id: Mapped[UUID] = mapped_column(primary_key=True)
    account_key: Mapped[str] = mapped_column(String(80), index=True)
    slice: Mapped[str | None] = mapped_column(String(100))
    partner_id: Mapped[str] = mapped_column(String(64))
    product_line: Mapped[str] = mapped_column(String(64))
    item: Mapped[str] = mapped_column(String(200))
    estimated_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    expected_on: Mapped[date | None]
    source: Mapped[str] = mapped_column(String(32))
    notes: Mapped[str] = mapped_column(String(2000))
    recorded_at: Mapped[datetime]
    rule_set: Mapped[str] = mapped_column(String(64))
    rule_version: Mapped[int]


class BoardVisit(Base):
    """A planned or done visit to a contact of a shared account; ``clash_with`` the other partners'
    visits it collided with when it was planned or done."""

    __tablename__ = "board_visits"

    visit_id: Mapped[UUID] = mapped_column(primary_key=True)
    account_key: Mapped[str] = mapped_column(String(80), index=True)
    slice: Mapped[str | None] = mapped_column(String(100))
    partner_id: Mapped[str] = mapped_column(String(64))
    product_line: Mapped[str] = mapped_column(String(64))
    contact: Mapped[str] = mapped_column(String(100))
    contact_key: Mapped[str] = mapped_column(String(100), index=True)
    visit_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(16))  # planned, done
    visited_by: Mapped[str] = mapped_column(String(100))
    notes: Mapped[str] = mapped_column(String(2000))
    recorded_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    clash_with: Mapped[list[Any]]
    review_task_id: Mapped[str | None] = mapped_column(String(120))
    rule_set: Mapped[str] = mapped_column(String(64))
    rule_version: Mapped[int]


class BoardRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def account(self, key: str) -> Customer | None:
        """The customer a board belongs to (an alias resolves to the customer it was merged into)."""
        found = await self._session.get(Customer, key.split("#", 1)[0])
        if found is not None and found.merged_into:
            return await self._session.get(Customer, found.merged_into)
        return found

    async def holders(self, account_key: str) -> dict[str, str]:
        """Partner by slice ('*' for a claim on the whole account): every partner the board is shared with."""
        held: dict[str, str] = {}
        claims = select(Claim).where(Claim.account_key == account_key, Claim.status == "active")
        for claim in (await self._session.execute(claims)).scalars():
            held[claim.slice or "*"] = claim.partner_id
        bindings = select(SliceBinding).where(SliceBinding.customer_key == account_key)
        for binding in (await self._session.execute(bindings)).scalars():
            held[binding.slice] = binding.partner_id
        return held

    async def accounts_held_by(self, partner_id: str) -> list[str]:
        claimed = select(Claim.account_key).where(Claim.partner_id == partner_id, Claim.status == "active")
        bound = select(SliceBinding.customer_key).where(SliceBinding.partner_id == partner_id)
        keys = {k for k in (await self._session.execute(claimed)).scalars() if k}
        keys.update((await self._session.execute(bound)).scalars())
        return sorted(keys)

    async def accounts_on_board(self) -> list[str]:
        """Every account with a plan or a visit on its board."""
        plans = select(BoardPlan.account_key).distinct()
        visits = select(BoardVisit.account_key).distinct()
        keys = set((await self._session.execute(plans)).scalars())
        keys.update((await self._session.execute(visits)).scalars())
        return sorted(keys)

    async def customers(self, keys: Sequence[str]) -> list[Customer]:
        if not keys:
            return []
        return list((await self._session.execute(select(Customer).where(Customer.customer_key.in_(keys)))).scalars())

    async def plan(self, plan_id: UUID) -> BoardPlan | None:
        return await self._session.get(BoardPlan, plan_id)

    async def visit(self, visit_id: UUID) -> BoardVisit | None:
        return await self._session.get(BoardVisit, visit_id, with_for_update=True)

    async def plans(self, account_key: str) -> list[BoardPlan]:
        query = select(BoardPlan).where(BoardPlan.account_key == account_key)
        return list((await self._session.execute(query.order_by(BoardPlan.recorded_at))).scalars())

    async def visits(self, account_key: str) -> list[BoardVisit]:
        query = select(BoardVisit).where(BoardVisit.account_key == account_key)
        return list(
            (await self._session.execute(query.order_by(BoardVisit.visit_on, BoardVisit.recorded_at))).scalars()
        )

    async def visits_to(self, account_key: str, contact_key: str) -> list[BoardVisit]:
        query = select(BoardVisit).where(BoardVisit.account_key == account_key, BoardVisit.contact_key == contact_key)
        return list((await self._session.execute(query.with_for_update())).scalars())

    def add(self, row: BoardPlan | BoardVisit) -> None:
        self._session.add(row)
