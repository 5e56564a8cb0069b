"""What a what-if replays: the submissions, follow-ups, closed deals and qualification changes of a
period, each at the time the broker stamped it, in the order the system saw them.

Plain data: ``topics.py`` reads it from the public topics, tests and the bench build it directly.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from referee_shared.events.deals import DealClosed
from referee_shared.events.leads import LeadActivity, LeadSubmitted
from referee_shared.events.qualifications import QualificationChanged

SHANGHAI = ZoneInfo("Asia/Shanghai")

Happening = LeadSubmitted | LeadActivity | DealClosed | QualificationChanged


@dataclass(frozen=True, slots=True)
class Event:
    """One recorded event at the broker's time; ``order`` breaks ties of equal times (read order)."""

    at: datetime
    order: int
    payload: Happening


@dataclass
class History:
    """Everything a replay reads, sorted by (time, read order) on demand."""

    events: list[Event] = field(default_factory=list)

    def add(self, at: datetime, payload: Happening) -> None:
        self.events.append(Event(at, len(self.events), payload))

    def extend(self, items: Sequence[tuple[datetime, Happening]]) -> None:
        for at, payload in items:
            self.add(at, payload)

    def in_order(self) -> Iterator[Event]:
        yield from sorted(self.events, key=lambda e: (e.at, e.order))

    @property
    def submissions(self) -> int:
        return sum(1 for e in self.events if isinstance(e.payload, LeadSubmitted))


def months_before(moment: datetime, months: int) -> datetime:
    """The same wall-clock moment ``months`` calendar months earlier in Asia/Shanghai (day clamped to the month)."""
    local = moment.astimezone(SHANGHAI)
    index = local.year * 12 + (local.month - 1) - months
    year, month = divmod(index, 12)
    day = min(local.day, _days_in(year, month + 1))
    return local.replace(year=year, month=month + 1, day=day).astimezone(moment.tzinfo)


def _days_in(year: int, month: int) -> int:
    following = datetime(year + (month == 12), month % 12 + 1, 1)
    return (following - timedelta(days=1)).day
