"""The demand board (动态需求看板) on the phone: the shared accounts a partner holds, their procurement
plans and who is visiting which contact this week; partners plan visits and add plans from here.

What a page shows is what dedup's board API answers for the signed-in user's token, so a partner never
sees another partner's amounts, notes or staff, and an account it holds nothing of does not exist here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..clients import ServiceRefused
from ..labels import N_
from ..roles import ConsoleRole
from ..users import User
from ..web import allowed, console, render
from .partner import product_lines

router = APIRouter(prefix="/board")
Reader = Annotated[
    User, allowed(ConsoleRole.PARTNER, ConsoleRole.REVIEWER, ConsoleRole.ARBITER, ConsoleRole.CHANNEL_MANAGER)
]
Partner = Annotated[User, allowed(ConsoleRole.PARTNER)]

SOURCES = {
    "tender_notice": N_("Tender notice"),
    "customer_meeting": N_("Customer meeting"),
    "partner_report": N_("Partner report"),
}
VISIT_STATUS = {"planned": N_("Planned"), "done": N_("Visited")}


@router.get("", response_class=HTMLResponse)
async def boards(request: Request, user: Reader) -> Response:
    accounts = await console(request).services.get(user, "dedup", "/board")
    return render(request, "board/home.html", user, accounts=accounts)


@router.get("/{customer_key}", response_class=HTMLResponse)
async def board(request: Request, user: Reader, customer_key: str) -> Response:
    found = await console(request).services.get(user, "dedup", f"/board/{quote(customer_key, safe='')}")
    return render(
        request,
        "board/account.html",
        user,
        board=found,
        sources=SOURCES,
        visit_status=VISIT_STATUS,
        posted=request.query_params.get("posted"),
        problem=request.query_params.get("problem"),
        today=date.today().isoformat(),
        lines=product_lines(request),
    )


@router.post("/{customer_key}/visits", response_class=HTMLResponse)
async def plan_visit(
    request: Request,
    user: Partner,
    customer_key: str,
    visit_id: Annotated[UUID, Form()],
    product_line: Annotated[str, Form()],
    contact: Annotated[str, Form(min_length=1, max_length=100)],
    visit_on: Annotated[date, Form()],
    visited_by: Annotated[str, Form(min_length=1, max_length=100)],
    status: Annotated[str, Form()] = "planned",
) -> Response:
    body = {
        "visit_id": str(visit_id),
        "product_line": product_line,
        "contact": contact.strip(),
        "visit_on": visit_on.isoformat(),
        "visited_by": visited_by.strip(),
        "status": status,
    }
    return await _post(request, user, customer_key, "visits", body)


@router.post("/{customer_key}/plans", response_class=HTMLResponse)
async def add_plan(
    request: Request,
    user: Partner,
    customer_key: str,
    plan_id: Annotated[UUID, Form()],
    product_line: Annotated[str, Form()],
    item: Annotated[str, Form(min_length=1, max_length=200)],
    source: Annotated[str, Form()],
    amount: Annotated[str, Form()] = "",
    expected_on: Annotated[str, Form()] = "",
) -> Response:
    body: dict[str, Any] = {
        "plan_id": str(plan_id),
        "product_line": product_line,
        "item": item.strip(),
        "source": source,
    }
    if amount.strip():
        try:
            body["estimated_amount"] = str(Decimal(amount.replace(",", "").replace("¥", "").strip()))
        except InvalidOperation:
            return _back(customer_key, problem="amount")
    if expected_on:
        body["expected_on"] = expected_on
    return await _post(request, user, customer_key, "plans", body)


async def _post(request: Request, user: User, customer_key: str, what: str, body: dict[str, Any]) -> Response:
    try:
        answer = await console(request).services.post(
            user, "dedup", f"/board/{quote(customer_key, safe='')}/{what}", body
        )
    except ServiceRefused as refused:
        return _back(customer_key, problem=refused.detail)
    clash = "visit_clash" in answer["changes"] or "clash_visited" in answer["changes"]
    return _back(customer_key, posted="clash" if clash else what)


def _back(customer_key: str, **query: str) -> Response:
    params = "&".join(f"{k}={quote(v)}" for k, v in query.items())
    return RedirectResponse(f"/board/{quote(customer_key, safe='')}?{params}", status_code=303)
