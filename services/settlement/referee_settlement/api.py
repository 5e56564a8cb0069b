"""Settlement's HTTP API, for finance: a deal's statements, and the reconciliation of a period (JSON or CSV)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.responses import PlainTextResponse

from referee_shared.auth import Principal, Role, require

from .domain.reconciliation import to_csv
from .views.reports import DealView, ReconciliationView, Reports, reconciliation_view

# At module level: FastAPI resolves these (postponed) annotations in the module's namespace.
FinanceOnly = Annotated[Principal, Depends(require(Role.FINANCE))]


def build_router(reports: Reports) -> APIRouter:
    router = APIRouter(prefix="/settlement", tags=["settlement"])

    @router.get("/deals/{deal_id}", summary="A deal's settlement state and statements, each line with its payment")
    async def deal(deal_id: str, _principal: FinanceOnly) -> DealView:
        view = await reports.deal(deal_id)
        if view is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"settlement has no deal {deal_id}")
        return view

    @router.get(
        "/reconciliation",
        summary="Statements issued in a period against payments: paid, pending, failed, reversed",
        response_model=ReconciliationView,
        responses={200: {"content": {"text/csv": {}}}},
    )
    async def reconciliation(
        _principal: FinanceOnly,
        period: Annotated[str, Query(description="YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD")],
        format: Annotated[Literal["json", "csv"], Query(description="csv: one row per line")] = "json",
    ) -> ReconciliationView | PlainTextResponse:
        try:
            report = await reports.reconciliation(period)
        except ValueError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
        if format == "csv":
            filename = f"reconciliation-{period.replace('..', '_')}.csv"
            return PlainTextResponse(
                to_csv(report),
                media_type="text/csv",
                headers={"Content-Disposition": f'attachment; filename="{filename}"'},
            )
        return reconciliation_view(report)

    return router
