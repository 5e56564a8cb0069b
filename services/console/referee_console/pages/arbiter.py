"""The arbiter's pages: the disputes, a case file as a page, and the ruling."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..clients import ServiceRefused
from ..labels import TASK_KINDS
from ..roles import ConsoleRole
from ..users import User
from ..web import allowed, console, render
from .staff import RULING_REASON_MIN, inbox

router = APIRouter(prefix="/arbiter")
Arbiter = Annotated[User, allowed(ConsoleRole.ARBITER, ConsoleRole.REVIEWER)]
RULINGS = ("uphold", "transfer", "share", "dismiss")


@router.get("", response_class=HTMLResponse)
async def disputes(request: Request, user: Arbiter) -> Response:
    found = await console(request).services.get(user, "arbitration", "/disputes")
    tasks = await inbox(request, user, kind="dispute_review")
    return render(request, "arbiter/home.html", user, disputes=found, tasks=tasks, kinds=TASK_KINDS)


@router.get("/disputes/{dispute_id}", response_class=HTMLResponse)
async def case_file(request: Request, user: Arbiter, dispute_id: UUID, problem: str | None = None) -> Response:
    case = await console(request).services.get(user, "arbitration", f"/disputes/{dispute_id}")
    return render(
        request,
        "arbiter/case.html",
        user,
        case=case,
        rulings=RULINGS,
        reason_min=RULING_REASON_MIN,
        problem=problem,
        status_code=422 if problem else 200,
    )


@router.post("/disputes/{dispute_id}/ruling", response_class=HTMLResponse)
async def rule(
    request: Request,
    user: Arbiter,
    dispute_id: UUID,
    choice: Annotated[str, Form()],
    reason: Annotated[str, Form(max_length=8000)] = "",
    share_party: Annotated[list[str] | None, Form()] = None,
    share_ratio: Annotated[list[str] | None, Form()] = None,
) -> Response:
    if choice not in RULINGS:
        return await case_file(request, user, dispute_id, problem=f"unknown ruling {choice}")
    if len(reason.strip()) < RULING_REASON_MIN:
        return await case_file(request, user, dispute_id, problem=f"reason<{RULING_REASON_MIN}")
    body: dict[str, Any] = {"choice": choice, "reason": reason.strip()}
    if choice == "share":
        shares = _shares(share_party or [], share_ratio or [])
        if shares is None:
            return await case_file(request, user, dispute_id, problem="shares")
        body["shares"] = shares or None
    try:
        await console(request).services.post(user, "arbitration", f"/disputes/{dispute_id}/ruling", body)
    except ServiceRefused as refused:
        if refused.status in (409, 422):
            return await case_file(request, user, dispute_id, problem=refused.detail)
        raise
    return RedirectResponse(f"/arbiter/disputes/{dispute_id}?ruled=1", status_code=303)


def _shares(parties: list[str], ratios: list[str]) -> list[dict[str, str]] | None:
    """Share ratios typed as percentages; [] means equal shares; None when they are not numbers summing to 100."""
    typed = [(p, r.strip()) for p, r in zip(parties, ratios, strict=False) if r.strip()]
    if not typed:
        return []
    try:
        percents = [(p, Decimal(r)) for p, r in typed]
    except InvalidOperation:
        return None
    if sum(pct for _, pct in percents) != 100 or any(pct < 0 for _, pct in percents):
        return None
    return [{"party_id": p, "ratio": str((pct / 100).quantize(Decimal("0.000001")))} for p, pct in percents]
