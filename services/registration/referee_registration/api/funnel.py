"""The funnel over HTTP: leads entering each status over a period, per partner, region or channel."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status

from referee_shared.auth import Principal, Role, require, require_region
from referee_shared.clock import Clock
from referee_shared.timebounds import BoundedDatetime

from ..views.funnel import Funnel, FunnelFilters, FunnelGrouping, FunnelReport

DEFAULT_PERIOD = timedelta(days=30)
FunnelReader = Annotated[Principal, Depends(require(Role.PARTNER, Role.REVIEWER, Role.ARBITER, Role.CHANNEL_MANAGER))]


def build_router(funnel: Funnel, clock: Clock) -> APIRouter:
    router = APIRouter(prefix="/funnel", tags=["funnel"])

    @router.get("", summary="Leads entering each status in [since, until), optionally grouped")
    async def count(
        principal: FunnelReader,
        since: Annotated[BoundedDatetime | None, Query(description="period start (default: 30 days ago)")] = None,
        until: Annotated[BoundedDatetime | None, Query(description="period end, exclusive (default: now)")] = None,
        group_by: FunnelGrouping | None = None,
        partner_id: str | None = None,
        region: str | None = None,
        channel: str | None = None,
        product_line: str | None = None,
    ) -> FunnelReport:
        until = until or clock.now()
        since = since or until - DEFAULT_PERIOD
        if since >= until:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "since must be before until")
        if principal.role is Role.PARTNER:
            if partner_id not in (None, principal.partner_id):
                raise HTTPException(status.HTTP_403_FORBIDDEN, "a partner may only count its own leads")
            partner_id = principal.partner_id
        region = _region_within_reach(principal, region)
        filters = FunnelFilters(partner_id=partner_id, region=region, channel=channel, product_line=product_line)
        return await funnel.count(since=since, until=until, group_by=group_by, filters=filters)

    return router


def _region_within_reach(principal: Principal, region: str | None) -> str | None:
    """A reviewer limited to regions counts only those: its one region by default, else the one it names."""
    if not principal.regional:
        return region
    if region is None:
        if len(principal.regions) > 1:
            mine = ", ".join(principal.regions)
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"name one of your regions with ?region= ({mine})"
            )
        return principal.regions[0]
    require_region(principal, region)
    return region
