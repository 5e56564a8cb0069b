"""The demand board over HTTP: partners post plans and visits on the shared accounts they hold and read
those boards; reviewers read the boards of their regions; arbiters (HQ) and admins (channel managers) all.

A board the caller may not see answers 404 exactly like a missing one, so probing customer keys tells a
partner nothing about another partner's customers. The partner a post is for comes from the token,
never from the body; the time is the server's.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import Field

from referee_shared.auth import Principal, Role, require
from referee_shared.events.board import PlanSource, ProcurementPlanReported, VisitReported, VisitStatus
from referee_shared.events.common import CurrencyCode, Money, ProductLine, Strict
from referee_shared.outbox import Transactions
from referee_shared.timebounds import BoundedDate

from .domain.board import Viewer
from .usecases import Dedup
from .usecases.board import BoardRefused, NotOnBoard
from .views.board import AccountBoard, AccountSummary, BoardReader


class PlanPost(Strict):
    """A procurement plan as a partner posts it; who posts it comes from the token."""

    plan_id: UUID = Field(default_factory=uuid4, description="choose one to make a retry harmless")
    department: str | None = Field(default=None, max_length=100)
    product_line: ProductLine
    item: str = Field(min_length=1, max_length=200)
    estimated_amount: Money | None = Field(default=None, ge=0)
    currency: CurrencyCode = "CNY"
    expected_on: BoundedDate | None = None
    source: PlanSource
    notes: str = Field(default="", max_length=2000)


class VisitPost(Strict):
    visit_id: UUID = Field(default_factory=uuid4, description="post it again with status done after the visit")
    department: str | None = Field(default=None, max_length=100)
    product_line: ProductLine
    contact: str = Field(min_length=1, max_length=100)
    visit_on: date
    status: VisitStatus = VisitStatus.PLANNED
    visited_by: str = Field(min_length=1, max_length=100)
    notes: str = Field(default="", max_length=2000)


class Posted(Strict):
    customer_key: str
    id: UUID
    changes: list[str] = Field(description="what the post put on the board; 'visit_clash' flags a collision")


READERS = Depends(require(Role.PARTNER, Role.REVIEWER, Role.ARBITER, Role.CHANNEL_MANAGER))
PARTNERS = Depends(require(Role.PARTNER))
NOT_FOUND = "no board for this account (unknown, or not one you hold a slice or claim of)"


def viewer_of(who: Principal) -> Viewer:
    return Viewer(role=who.role.value, partner_id=who.partner_id, regions=tuple(who.regions))


def build_router(transactions: Transactions, dedup: Dedup) -> APIRouter:
    router = APIRouter(tags=["board"])
    reader = BoardReader(transactions)

    @router.get("/board", summary="The demand boards you may see, with counts of plans, visits and clashes")
    async def accounts(who: Annotated[Principal, READERS]) -> list[AccountSummary]:
        return await reader.accounts(viewer_of(who))

    @router.get("/board/{customer_key}", summary="A shared account's plans and visits, as you may see them")
    async def board(customer_key: str, who: Annotated[Principal, READERS]) -> AccountBoard:
        found = await reader.board(viewer_of(who), customer_key)
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
        return found

    @router.post(
        "/board/{customer_key}/plans",
        status_code=status.HTTP_201_CREATED,
        summary="Put a procurement plan on a shared account you hold",
    )
    async def post_plan(
        customer_key: str, body: PlanPost, request: Request, who: Annotated[Principal, PARTNERS]
    ) -> Posted:
        plan = ProcurementPlanReported(customer_key=customer_key, partner_id=_partner(who), **body.model_dump())
        try:
            done = await dedup.board.report_plan(
                uuid4(), plan, at=transactions.clock.now(), correlation_id=_correlation(request)
            )
        except NotOnBoard as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND) from exc
        except BoardRefused as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, str(exc)) from exc
        return Posted(customer_key=done.account_key, id=done.subject_id, changes=[c.value for c in done.changes])

    @router.post(
        "/board/{customer_key}/visits",
        status_code=status.HTTP_201_CREATED,
        summary="Plan a visit to a contact of a shared account you hold, or report it done",
    )
    async def post_visit(
        customer_key: str, body: VisitPost, request: Request, who: Annotated[Principal, PARTNERS]
    ) -> Posted:
        try:
            visit = VisitReported(customer_key=customer_key, partner_id=_partner(who), **body.model_dump())
        except ValueError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, str(exc)) from exc
        try:
            done = await dedup.board.report_visit(
                uuid4(), visit, at=transactions.clock.now(), correlation_id=_correlation(request)
            )
        except NotOnBoard as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND) from exc
        except BoardRefused as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, str(exc)) from exc
        return Posted(customer_key=done.account_key, id=done.subject_id, changes=[c.value for c in done.changes])

    return router


def _partner(who: Principal) -> str:
    if not who.partner_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only a partner posts on the board; your token names none")
    return who.partner_id


def _correlation(request: Request) -> str | None:
    return request.headers.get("X-Correlation-ID") or None
