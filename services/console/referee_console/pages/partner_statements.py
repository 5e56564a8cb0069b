"""A partner's statement lines and their payment status, as the console heard them on
settlements.statements and settlements.payments (the settlement service has no partner-facing read)."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from .. import labels
from ..web import render
from .notifications import centre
from .partner import Partner

router = APIRouter(prefix="/partner/statements")


@router.get("", response_class=HTMLResponse)
async def my_statements(request: Request, user: Partner) -> Response:
    lines = await centre(request).store.lines_of(user.partner_id or "")
    totals = {
        state: sum((Decimal(line.amount) for line in lines if line.payment == state), Decimal(0))
        for state in ("paid", "unpaid", "failed")
    }
    return render(
        request,
        "partner/statements.html",
        user,
        lines=lines,
        totals=totals,
        payment_label=lambda state: labels.label(PAYMENT_STATES, state),
    )


PAYMENT_STATES = {"paid": labels.N_("Paid"), "unpaid": labels.N_("Awaiting payment"), "failed": labels.N_("Failed")}
