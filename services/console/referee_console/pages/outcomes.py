"""The channel manager's outcome figures: conflict rate, disputes, times to ruling, cycle time, large-account
win rate, expiries without follow-up and reviewers' punctuality, by partner, region, channel or rule version,
per period and before/after a rule change; with server-drawn bars and CSV/xlsx downloads."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from ..exports import csv_bytes, xlsx_bytes
from ..outcome_charts import rate_bars
from ..roles import ConsoleRole
from ..users import User
from ..web import allowed, console, render

router = APIRouter(prefix="/manager/outcomes")
Manager = Annotated[User, allowed(ConsoleRole.CHANNEL_MANAGER)]
GROUPINGS = ("partner", "region", "channel", "rule_version")
PERIODS = ("month", "week", "day", "all")
RATES = (
    "conflict_rate",
    "duplicate_refusal_rate",
    "cross_region_refusal_rate",
    "tier_refusal_rate",
    "disputed_customer_share",
    "large_account_win_rate",
    "expired_without_follow_up_share",
    "reviewer_on_time_rate",
)
MEANS = ("mean_hours_to_first_ruling", "mean_hours_to_final_ruling", "mean_days_registration_to_close")
CHARTED = ("conflict_rate", "reviewer_on_time_rate", "large_account_win_rate", "expired_without_follow_up_share")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _report(request: Request, user: User, group_by: str, period: str, split_at: str | None) -> Any:
    return await console(request).services.get(
        user,
        "registration",
        "/figures",
        group_by=group_by if group_by in GROUPINGS else "partner",
        period=period if period in PERIODS else "all",
        split_at=split_at,
    )


@router.get("", response_class=HTMLResponse)
async def outcomes(
    request: Request, user: Manager, group_by: str = "partner", period: str = "all", split_at: str | None = None
) -> Response:
    report = await _report(request, user, group_by, period, split_at)
    charts = {
        name: Markup(rate_bars([(_row_label(row), _decimal(row["figures"].get(name))) for row in report["rows"]]))
        for name in CHARTED
    }  # drawn from numbers and escaped labels only
    return render(
        request,
        "manager/outcomes.html",
        user,
        report=report,
        group_by=report["group_by"] or "partner",
        period=report["period"],
        split_at=split_at or "",
        groupings=GROUPINGS,
        periods=PERIODS,
        rates=RATES,
        means=MEANS,
        charts=charts,
        percent=_percent,
    )


@router.get(".csv")
async def outcomes_csv(
    request: Request, user: Manager, group_by: str = "partner", period: str = "all", split_at: str | None = None
) -> Response:
    header, rows = _table(await _report(request, user, group_by, period, split_at))
    return Response(
        csv_bytes(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="referee-outcomes.csv"'},
    )


@router.get(".xlsx")
async def outcomes_xlsx(
    request: Request, user: Manager, group_by: str = "partner", period: str = "all", split_at: str | None = None
) -> Response:
    header, rows = _table(await _report(request, user, group_by, period, split_at))
    return Response(
        xlsx_bytes("成效指标", header, rows),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="referee-outcomes.xlsx"'},
    )


def _table(report: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    header = ["period", report["group_by"] or "group", "side", *report["measures"], *report["figures"]]
    rows = [
        [
            row["period"],
            row["group"],
            row["side"],
            *(row["counts"].get(name, 0) for name in report["measures"]),
            *(_decimal(row["figures"].get(name)) for name in report["figures"]),
        ]
        for row in report["rows"]
    ]
    return header, rows


def _row_label(row: dict[str, Any]) -> str:
    parts = [row["group"] or row["period"], row["side"] or ""]
    return " ".join(p for p in parts if p)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _percent(value: Any) -> str:
    return "—" if value is None else f"{Decimal(str(value)) * 100:.1f}%"
