"""The funnel: how many leads entered each status over a period, per partner, region or channel."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from referee_shared.outbox import Transactions

from ..domain.lifecycle import FUNNEL_ORDER
from ..store import TransitionRepository


class FunnelGrouping(StrEnum):
    PARTNER = "partner"
    REGION = "region"
    CHANNEL = "channel"


class FunnelFilters(BaseModel):
    partner_id: str | None = None
    region: str | None = None
    channel: str | None = None
    product_line: str | None = None


class FunnelRow(BaseModel):
    group: str | None = Field(description="the partner, region or channel of this row; null when not grouped")
    counts: dict[str, int] = Field(description="status -> distinct leads that entered it during the period")


class FunnelReport(BaseModel):
    since: datetime
    until: datetime
    group_by: FunnelGrouping | None
    filters: FunnelFilters
    stages: list[str] = Field(description="every status, in funnel order")
    rows: list[FunnelRow]


class Funnel:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def count(
        self, *, since: datetime, until: datetime, group_by: FunnelGrouping | None, filters: FunnelFilters
    ) -> FunnelReport:
        """Distinct leads entering each status in [since, until), from the recorded transitions."""
        async with self._tx.sessions() as session:
            found = await TransitionRepository(session).funnel(
                since=since, until=until, group_by=group_by.value if group_by else None, **filters.model_dump()
            )
        stages = [status.value for status in FUNNEL_ORDER]
        rows: dict[str | None, dict[str, int]] = {} if group_by else {None: dict.fromkeys(stages, 0)}
        for group, status, count in found:
            rows.setdefault(group, dict.fromkeys(stages, 0))[status] = count
        return FunnelReport(
            since=since,
            until=until,
            group_by=group_by,
            filters=filters,
            stages=stages,
            rows=[FunnelRow(group=group, counts=counts) for group, counts in sorted(rows.items(), key=_group_order)],
        )


def _group_order(item: tuple[str | None, dict[str, int]]) -> str:
    return item[0] or ""
