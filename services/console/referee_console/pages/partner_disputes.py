"""A partner's disputes: the list, one dispute with statements, steps and rulings, adding a statement and
appealing a ruling. Another party is never named to a partner: the console shows "the other party" for
every id but the partner's own, on top of arbitration's own redaction for claimants."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from .. import labels
from ..clients import ServiceRefused
from ..web import console, render
from .partner import Partner

router = APIRouter(prefix="/partner/disputes")
TEXT_MAX = 8000


def my_side(case: dict[str, Any], partner_id: str | None) -> str:
    summary: dict[str, Any] = case.get("summary", case)
    return "claimant" if summary.get("claimant_id") == partner_id else "respondent"


@router.get("", response_class=HTMLResponse)
async def my_disputes(request: Request, user: Partner) -> Response:
    disputes = await console(request).services.get(user, "arbitration", "/disputes")
    sides = {d["dispute_id"]: my_side(d, user.partner_id) for d in disputes}
    return render(request, "partner/disputes.html", user, disputes=disputes, sides=sides, **_labels())


async def _page(
    request: Request, user: Any, dispute_id: UUID, *, status_code: int = 200, problem: str | None = None
) -> Response:
    case = await console(request).services.get(user, "arbitration", f"/disputes/{dispute_id}")
    return render(
        request,
        "partner/dispute.html",
        user,
        status_code=status_code,
        case=case,
        side=my_side(case, user.partner_id),
        problem=problem,
        text_max=TEXT_MAX,
        **_labels(),
    )


def _labels() -> dict[str, Any]:
    return {
        "outcome_label": lambda code: labels.label(labels.OUTCOMES, code),
        "step_label": lambda code: labels.label(labels.DISPUTE_STEPS, code),
    }


@router.get("/{dispute_id}", response_class=HTMLResponse)
async def one_dispute(request: Request, user: Partner, dispute_id: UUID) -> Response:
    return await _page(request, user, dispute_id)


async def _post(request: Request, user: Any, dispute_id: UUID, path: str, body: dict[str, Any], done: str) -> Response:
    try:
        await console(request).services.post(user, "arbitration", f"/disputes/{dispute_id}/{path}", body)
    except ServiceRefused as refused:
        if refused.status not in (409, 422):
            raise
        return await _page(request, user, dispute_id, status_code=refused.status, problem=refused.detail)
    return RedirectResponse(f"/partner/disputes/{dispute_id}?{done}=1", status_code=303)


@router.post("/{dispute_id}/statements", response_class=HTMLResponse)
async def add_statement(
    request: Request, user: Partner, dispute_id: UUID, text: Annotated[str, Form(min_length=1, max_length=TEXT_MAX)]
) -> Response:
    return await _post(request, user, dispute_id, "statements", {"text": text.strip()}, "stated")


@router.post("/{dispute_id}/appeal", response_class=HTMLResponse)
async def appeal(
    request: Request, user: Partner, dispute_id: UUID, grounds: Annotated[str, Form(min_length=1, max_length=TEXT_MAX)]
) -> Response:
    return await _post(request, user, dispute_id, "appeal", {"grounds": grounds.strip()}, "appealed")
