"""Dispute figures per period, region and channel: opened, refused, escalated, resolved, median time to
ruling, and the conflict rate (disputes opened per accepted registration)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from statistics import median


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"

    def label(self, moment: datetime) -> str:
        """The period a moment falls in (UTC): 2026-11-26, 2026-W48 (ISO week) or 2026-11."""
        utc = moment.astimezone(UTC)
        if self is Period.DAY:
            return utc.date().isoformat()
        if self is Period.WEEK:
            year, week, _ = utc.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{utc.year}-{utc.month:02d}"


@dataclass(frozen=True)
class DisputeFact:
    """A dispute as the figures see it. Region and channel are those of the registration it contests."""

    opened_at: datetime
    region: str
    channel: str
    refused: bool = False
    escalated_at: datetime | None = None
    ruled_at: datetime | None = None
    final_at: datetime | None = None


@dataclass(frozen=True)
class AcceptedRegistration:
    decided_at: datetime
    region: str
    channel: str


@dataclass
class FigureRow:
    period: str
    region: str
    channel: str
    opened: int = 0
    refused: int = 0
    escalated: int = 0
    resolved: int = 0
    accepted_registrations: int = 0
    median_hours_to_ruling: Decimal | None = None
    conflict_rate: Decimal | None = None


RATE_STEP = Decimal("0.0001")
HOURS_STEP = Decimal("0.1")


def figures(
    disputes: Iterable[DisputeFact],
    accepted: Iterable[AcceptedRegistration],
    *,
    period: Period,
    since: datetime,
    until: datetime,
) -> list[FigureRow]:
    """One row per period, region and channel that saw anything between ``since`` and ``until``.

    Each count falls in the period of its own moment: opened when opened, escalated when first
    escalated, resolved when its ruling took effect (the median time to ruling is measured from
    opening to the decision that took effect, for the disputes resolved in the period).
    """
    rows: dict[tuple[str, str, str], FigureRow] = {}
    hours: dict[tuple[str, str, str], list[Decimal]] = defaultdict(list)

    def row(moment: datetime, region: str, channel: str) -> FigureRow | None:
        if not since <= moment < until:
            return None
        key = (period.label(moment), region, channel)
        return rows.setdefault(key, FigureRow(*key))

    for fact in disputes:
        if (opened := row(fact.opened_at, fact.region, fact.channel)) is not None:
            if fact.refused:
                opened.refused += 1
            else:
                opened.opened += 1
        if fact.escalated_at and (escalated := row(fact.escalated_at, fact.region, fact.channel)):
            escalated.escalated += 1
        if fact.final_at and fact.ruled_at and (resolved := row(fact.final_at, fact.region, fact.channel)):
            resolved.resolved += 1
            waited = Decimal((fact.ruled_at - fact.opened_at).total_seconds()) / 3600
            hours[(resolved.period, resolved.region, resolved.channel)].append(waited)
    for registration in accepted:
        if (counted := row(registration.decided_at, registration.region, registration.channel)) is not None:
            counted.accepted_registrations += 1
    for key, found in rows.items():
        if hours[key]:
            found.median_hours_to_ruling = Decimal(median(hours[key])).quantize(HOURS_STEP, ROUND_HALF_EVEN)
        if found.accepted_registrations:
            rate = Decimal(found.opened) / found.accepted_registrations
            found.conflict_rate = rate.quantize(RATE_STEP, ROUND_HALF_EVEN)
    return sorted(rows.values(), key=lambda r: (r.period, r.region, r.channel))
