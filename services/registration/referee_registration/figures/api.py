"""The outcome figures over HTTP: JSON, CSV and xlsx of the same report.

(No postponed annotations here: the routes name a dependency defined inside ``build_router``.)
"""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.responses import Response

from referee_shared.auth import Principal, Role, require
from referee_shared.clock import Clock
from referee_shared.rules.rulebook import RuleBook, RuleError
from referee_shared.timebounds import BoundedDate

from ..api.funnel import _region_within_reach
from .measures import SHANGHAI
from .report import FigureFilters, FigureReport, Grouping, OutcomeFigures, Period
from .tables import csv_bytes, flatten, xlsx_bytes

DEFAULT_DAYS = 90
Reader = Annotated[Principal, Depends(require(Role.REVIEWER, Role.ARBITER, Role.CHANNEL_MANAGER))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def build_router(figures: OutcomeFigures, rules: RuleBook, clock: Clock) -> APIRouter:
    router = APIRouter(prefix="/figures", tags=["figures"])

    async def report(
        principal: Reader,
        since: Annotated[BoundedDate | None, Query(description="first day default 90 days back")] = None,
        until: Annotated[BoundedDate | None, Query(description="last day, inclusive; default today")] = None,
        period: Period = Period.MONTH,
        group_by: Grouping | None = None,
        partner: str | None = None,
        region: str | None = None,
        channel: str | None = None,
        split_at: Annotated[BoundedDate | None, Query(description="split rows before/after this day")] = None,
        rule_set: Annotated[str | None, Query(description="with version: split where it took effect")] = None,
        version: int | None = None,
    ) -> FigureReport:
        last = until or clock.now().astimezone(SHANGHAI).date()
        first = since or last - timedelta(days=DEFAULT_DAYS - 1)
        if first > last:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "since must not be after until")
        if (rule_set is None) != (version is None):
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "name both rule_set and version, or neither")
        if rule_set is not None and version is not None:
            if split_at is not None:
                raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "give split_at or rule_set, not both")
            try:
                split_at = rules.get(rule_set, version).effective_from.astimezone(SHANGHAI).date()
            except RuleError as exc:
                raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
        filters = FigureFilters(partner=partner, region=_region_within_reach(principal, region), channel=channel)
        return await figures.report(
            since=first,
            until=last + timedelta(days=1),
            period=period,
            group_by=group_by,
            split_at=split_at,
            filters=filters,
        )

    @router.get("", summary="Conflict rate, disputes, times to ruling, cycle time, win rate, expiries, on-time rate")
    async def as_json(found: Annotated[FigureReport, Depends(report)]) -> FigureReport:
        return found

    @router.get(".csv", summary="The same figures as CSV (UTF-8 with BOM)", response_class=Response)
    async def as_csv(found: Annotated[FigureReport, Depends(report)]) -> Response:
        body = csv_bytes(*flatten(found))
        return Response(body, media_type="text/csv; charset=utf-8", headers=_attachment(found, "csv"))

    @router.get(".xlsx", summary="The same figures as an Excel workbook", response_class=Response)
    async def as_xlsx(found: Annotated[FigureReport, Depends(report)]) -> Response:
        body = xlsx_bytes("figures", *flatten(found))
        return Response(body, media_type=XLSX, headers=_attachment(found, "xlsx"))

    return router


def _attachment(report: FigureReport, extension: str) -> dict[str, str]:
    last = report.until - timedelta(days=1)
    name = f"referee-figures-{report.since.isoformat()}-{last.isoformat()}.{extension}"
    return {"Content-Disposition": f'attachment; filename="{name}"'}
