"""The outcome figures as readers see them: counts summed by the database, and the rates and times
derived from them, per period and partner, region, channel or rule version, before and after a moment."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from referee_shared.outbox import Transactions

from .measures import Measure
from .store import FigureStore, Summed

RATE_STEP = Decimal("0.0001")
QUANTITY_STEP = Decimal("0.1")


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    ALL = "all"

    def label(self, start: date | None, since: date, until: date) -> str:
        if start is None or self is Period.ALL:
            return f"{since.isoformat()}..{(until - timedelta(days=1)).isoformat()}"
        if self is Period.DAY:
            return start.isoformat()
        if self is Period.WEEK:
            year, week, _ = start.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{start.year}-{start.month:02d}"


class Grouping(StrEnum):
    PARTNER = "partner"
    REGION = "region"
    CHANNEL = "channel"
    RULE_VERSION = "rule_version"


class FigureFilters(BaseModel):
    partner: str | None = None
    region: str | None = None
    channel: str | None = None


# Each derived figure: (numerator measures, denominator measure) for a rate, or a measure whose
# total divided by its count is a mean quantity (hours or days).
RATES: dict[str, tuple[tuple[Measure, ...], Measure]] = {
    "conflict_rate": (
        (Measure.REFUSED_DUPLICATE, Measure.REFUSED_CROSS_REGION, Measure.REFUSED_TIER),
        Measure.DECIDED,
    ),
    "duplicate_refusal_rate": ((Measure.REFUSED_DUPLICATE,), Measure.DECIDED),
    "cross_region_refusal_rate": ((Measure.REFUSED_CROSS_REGION,), Measure.DECIDED),
    "tier_refusal_rate": ((Measure.REFUSED_TIER,), Measure.DECIDED),
    "disputed_customer_share": ((Measure.CUSTOMERS_DISPUTED,), Measure.CUSTOMERS_REGISTERED),
    "large_account_win_rate": ((Measure.LARGE_WON,), Measure.LARGE_CLOSED),
    "expired_without_follow_up_share": ((Measure.LOCKS_EXPIRED_UNFOLLOWED,), Measure.LOCKS_GRANTED),
    "reviewer_on_time_rate": ((Measure.TASKS_ON_TIME,), Measure.TASKS_CLOSED),
}
MEANS: dict[str, Measure] = {
    "mean_hours_to_first_ruling": Measure.FIRST_RULINGS,
    "mean_hours_to_final_ruling": Measure.FINAL_RULINGS,
    "mean_days_registration_to_close": Measure.CLOSED,
}
FIGURE_NAMES: tuple[str, ...] = (*RATES, *MEANS)
MEASURE_NAMES: tuple[str, ...] = tuple(m.value for m in Measure)


class FigureRow(BaseModel):
    period: str
    group: str | None = Field(description="the partner, region, channel or rule version; null when not grouped")
    side: str | None = Field(description="before or after split_at; null when not split")
    counts: dict[str, int] = Field(description="measure -> how many fell in this row")
    figures: dict[str, Decimal | None] = Field(description="rates (0..1) and mean hours or days; null without data")


class FigureReport(BaseModel):
    since: date
    until: date = Field(description="exclusive")
    period: Period
    group_by: Grouping | None
    split_at: date | None
    filters: FigureFilters
    measures: list[str]
    figures: list[str]
    rows: list[FigureRow]


class OutcomeFigures:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def report(
        self,
        *,
        since: date,
        until: date,
        period: Period,
        group_by: Grouping | None,
        split_at: date | None,
        filters: FigureFilters,
    ) -> FigureReport:
        found: list[Summed] = []
        async with self._tx.sessions() as session:
            store = FigureStore(session)
            if any(filters.model_dump().values()):
                found = await store.summed(
                    since=since,
                    until=until,
                    period=period.value,
                    group_by=group_by.value if group_by else None,
                    split_at=split_at,
                    filters=filters.model_dump(),
                )
            else:
                for side, first, end in sides(since, until, split_at):
                    found += await store.rolled_up(
                        ranges=grains(first, end, period),
                        dimension=group_by.value if group_by else None,
                        side=side,
                        by_start=period is not Period.ALL,
                    )
        return FigureReport(
            since=since,
            until=until,
            period=period,
            group_by=group_by,
            split_at=split_at,
            filters=filters,
            measures=list(MEASURE_NAMES),
            figures=list(FIGURE_NAMES),
            rows=rows(found, period, since, until),
        )


def sides(since: date, until: date, split_at: date | None) -> list[tuple[str | None, date, date]]:
    """[since, until) whole, or cut at ``split_at`` into its before and after parts (empty parts left out)."""
    if split_at is None:
        return [(None, since, until)]
    cut = min(max(split_at, since), until)
    return [(side, first, end) for side, first, end in (("before", since, cut), ("after", cut, until)) if first < end]


def grains(since: date, until: date, period: Period) -> list[tuple[str, date, date]]:
    """Where the rollups answer [since, until) from: whole calendar months from month rows and the days
    at either edge from day rows (day and week reports read day rows only)."""
    if period in (Period.DAY, Period.WEEK):
        return [("d", since, until)]
    first_whole = since if since.day == 1 else _next_month(since)
    end_whole = until.replace(day=1)
    if first_whole >= end_whole:
        return [("d", since, until)]
    parts = [("d", since, first_whole), ("m", first_whole, end_whole), ("d", end_whole, until)]
    return [(grain, first, end) for grain, first, end in parts if first < end]


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def rows(found: Iterable[Summed], period: Period, since: date, until: date) -> list[FigureRow]:
    counts: dict[tuple[str, str | None, str | None], dict[str, int]] = {}
    totals: dict[tuple[str, str | None, str | None], dict[str, Decimal]] = {}
    for summed in found:
        key = (period.label(summed.period_start, since, until), summed.group, summed.side)
        row = counts.setdefault(key, dict.fromkeys(MEASURE_NAMES, 0))
        row[summed.measure] = row.get(summed.measure, 0) + summed.count
        total = totals.setdefault(key, {})
        total[summed.measure] = total.get(summed.measure, Decimal(0)) + summed.total
    return [
        FigureRow(
            period=key[0], group=key[1], side=key[2], counts=counts[key], figures=derive(counts[key], totals[key])
        )
        for key in sorted(counts, key=lambda k: (k[0], k[1] or "", k[2] == "after"))
    ]


def derive(counts: dict[str, int], totals: dict[str, Decimal]) -> dict[str, Decimal | None]:
    """Rates rounded to 4 places and means to 1 place, half to even; None where the base is zero."""
    figures: dict[str, Decimal | None] = {}
    for name, (parts, base) in RATES.items():
        whole = counts.get(base.value, 0)
        part = sum(counts.get(m.value, 0) for m in parts)
        figures[name] = (Decimal(part) / whole).quantize(RATE_STEP, ROUND_HALF_EVEN) if whole else None
    for name, measure in MEANS.items():
        n = counts.get(measure.value, 0)
        mean = totals.get(measure.value, Decimal(0)) / n if n else None
        figures[name] = mean.quantize(QUANTITY_STEP, ROUND_HALF_EVEN) if mean is not None else None
    return figures
