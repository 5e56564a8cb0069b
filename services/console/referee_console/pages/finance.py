"""Finance's pages: statements awaiting approval, a deal's payments, reconciliation by period, exports."""

from __future__ import annotations

import csv
from datetime import datetime
from decimal import Decimal
from io import StringIO
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..exports import csv_bytes, xlsx_bytes
from ..labels import TASK_KINDS
from ..roles import ConsoleRole
from ..users import User
from ..web import allowed, console, render
from .staff import inbox

router = APIRouter(prefix="/finance")
Finance = Annotated[User, allowed(ConsoleRole.FINANCE)]
BUCKETS = ("issued", "paid", "pending", "failed", "reversed", "reversals", "recovered")


def this_month(request: Request) -> str:
    return datetime.now(console(request).zone).strftime("%Y-%m")


@router.get("", response_class=HTMLResponse)
async def finance_home(request: Request, user: Finance, period: str | None = None) -> Response:
    tasks = await inbox(request, user, kind="settlement_approval")
    period = period or this_month(request)
    report = await console(request).services.get(user, "settlement", "/settlement/reconciliation", period=period)
    return render(
        request, "finance/home.html", user, tasks=tasks, kinds=TASK_KINDS, report=report, period=period, buckets=BUCKETS
    )


@router.get("/deal")
async def find_deal(_user: Finance, deal_id: str) -> Response:
    return RedirectResponse(f"/finance/deals/{quote(deal_id.strip(), safe='')}", status_code=303)


@router.get("/deals/{deal_id}", response_class=HTMLResponse)
async def deal(request: Request, user: Finance, deal_id: str) -> Response:
    found = await console(request).services.get(user, "settlement", f"/settlement/deals/{deal_id}")
    return render(request, "finance/deal.html", user, deal=found)


async def _reconciliation_rows(request: Request, user: User, period: str) -> tuple[list[str], list[list[Any]]]:
    text: str = await console(request).services.get(
        user, "settlement", "/settlement/reconciliation", period=period, format="csv"
    )
    lines = list(csv.reader(StringIO(text)))
    if not lines:
        return [], []
    header, rows = lines[0], [list[Any](row) for row in lines[1:]]
    if "amount" in header:  # a number in Excel, not text
        at = header.index("amount")
        for row in rows:
            row[at] = Decimal(row[at])
    return header, rows


@router.get("/reconciliation.csv")
async def reconciliation_csv(request: Request, user: Finance, period: str) -> Response:
    header, rows = await _reconciliation_rows(request, user, period)
    return Response(
        csv_bytes(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="reconciliation-{_safe(period)}.csv"'},
    )


@router.get("/reconciliation.xlsx")
async def reconciliation_xlsx(request: Request, user: Finance, period: str) -> Response:
    header, rows = await _reconciliation_rows(request, user, period)
    return Response(
        xlsx_bytes(f"对账 {_safe(period)}", header, rows),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="reconciliation-{_safe(period)}.xlsx"'},
    )


def _safe(period: str) -> str:
    return "".join(c if c.isalnum() or c == "-" else "_" for c in period)[:40]
