"""The demand board as one viewer may see it: an account's plans and visits, another partner's amounts,
notes and staff left out, and whether a contact is already being visited this week."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, Field

from referee_shared.outbox import Transactions

from ..board_store import BoardPlan, BoardRepository, BoardVisit
from ..domain.board import PlanFacts, Viewer, china_day, may_see_account, may_see_details, same_week, shown_amount


class PlanLine(BaseModel):
    plan_id: UUID
    partner_id: str
    mine: bool = Field(description="the viewer's own plan")
    slice: str | None
    product_line: str
    item: str
    estimated_amount: Decimal | None = Field(description="only for the reporting partner and staff")
    currency: str
    expected_on: date | None
    source: str
    notes: str | None = Field(description="only for the reporting partner and staff")
    recorded_at: datetime


class VisitLine(BaseModel):
    visit_id: UUID
    partner_id: str
    mine: bool
    slice: str | None
    product_line: str
    contact: str
    visit_on: date
    status: str
    this_week: bool = Field(description="the visit falls in this week (Monday to Sunday, Asia/Shanghai)")
    clash: bool = Field(description="another partner visits the same contact within the rule's window")
    visited_by: str | None = Field(description="only for the visiting partner and staff")
    notes: str | None = Field(description="only for the visiting partner and staff")
    review_task_id: str | None = Field(description="staff only: the reviewer task a clash that happened opened")


class AccountBoard(BaseModel):
    customer_key: str
    name: str
    region: str
    holders: dict[str, str] = Field(description="partner by slice ('*' = the whole account)")
    plans: list[PlanLine]
    visits: list[VisitLine]


class AccountSummary(BaseModel):
    customer_key: str
    name: str
    region: str
    holders: dict[str, str]
    plans: int
    visits_this_week: int
    clashes: int


class BoardReader:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def board(self, viewer: Viewer, customer_key: str) -> AccountBoard | None:
        """The account's board as ``viewer`` may see it; None when there is none or it is not theirs to see."""
        today = china_day(self._tx.clock.now())
        async with self._tx.sessions() as session:
            repo = BoardRepository(session)
            account = await repo.account(customer_key)
            if account is None:
                return None
            holders = await repo.holders(account.customer_key)
            if not may_see_account(viewer, holders.values(), account.region):
                return None
            plans, visits = await repo.plans(account.customer_key), await repo.visits(account.customer_key)
        return AccountBoard(
            customer_key=account.customer_key,
            name=account.name,
            region=account.region,
            holders=holders,
            plans=[_plan(viewer, p) for p in plans],
            visits=[_visit(viewer, v, today) for v in visits],
        )

    async def accounts(self, viewer: Viewer) -> list[AccountSummary]:
        """Every board ``viewer`` may see: a partner's accounts it holds; staff every board with entries."""
        async with self._tx.sessions() as session:
            repo = BoardRepository(session)
            if viewer.is_partner:
                keys = await repo.accounts_held_by(viewer.partner_id or "")
            else:
                keys = await repo.accounts_on_board()
        boards = [await self.board(viewer, key) for key in keys]
        today = china_day(self._tx.clock.now())
        return [
            AccountSummary(
                customer_key=b.customer_key,
                name=b.name,
                region=b.region,
                holders=b.holders,
                plans=len(b.plans),
                visits_this_week=sum(1 for v in b.visits if same_week(v.visit_on, today)),
                clashes=sum(1 for v in b.visits if v.clash),
            )
            for b in boards
            if b is not None
        ]


def _plan(viewer: Viewer, plan: BoardPlan) -> PlanLine:
    details = may_see_details(viewer, plan.partner_id)
    return PlanLine(
        plan_id=plan.plan_id,
        partner_id=plan.partner_id,
        mine=viewer.partner_id == plan.partner_id,
        slice=plan.slice,
        product_line=plan.product_line,
        item=plan.item,
        estimated_amount=shown_amount(viewer, PlanFacts(plan.partner_id, plan.estimated_amount, plan.notes)),
        currency=plan.currency,
        expected_on=plan.expected_on,
        source=plan.source,
        notes=plan.notes if details else None,
        recorded_at=plan.recorded_at,
    )


def _visit(viewer: Viewer, visit: BoardVisit, today: date) -> VisitLine:
    details = may_see_details(viewer, visit.partner_id)
    return VisitLine(
        visit_id=visit.visit_id,
        partner_id=visit.partner_id,
        mine=viewer.partner_id == visit.partner_id,
        slice=visit.slice,
        product_line=visit.product_line,
        contact=visit.contact,
        visit_on=visit.visit_on,
        status=visit.status,
        this_week=same_week(visit.visit_on, today),
        clash=bool(visit.clash_with),
        visited_by=visit.visited_by if details else None,
        notes=visit.notes if details else None,
        review_task_id=visit.review_task_id if not viewer.is_partner else None,
    )
