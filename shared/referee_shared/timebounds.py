"""The span of time Referee accepts: outside it, a time is refused at the door (HTTP 422, or a dead letter
with the reason) instead of being accepted and then overflowing in a later computation.

Python's datetime stops at years 1 and 9999; a time near either end overflows as soon as it is moved to
UTC or a protection period is added to it. No registration, activity, deal, certificate or query needs a
time before 1900 or after 2199, which leaves centuries of room for the periods the rules add.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
_SPAN = f"between {EARLIEST.date().isoformat()} and {LATEST.date().isoformat()} (UTC)"


def within_bounds(value: datetime) -> datetime:
    """``value`` if it lies in Referee's span; ValueError saying the span otherwise."""
    try:
        utc = value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError(f"{value.isoformat()} is out of range: times must lie {_SPAN}") from None
    if not EARLIEST <= utc < LATEST:
        raise ValueError(f"{value.isoformat()} is out of range: times must lie {_SPAN}")
    return value


def date_within_bounds(value: date) -> date:
    if not EARLIEST.date() <= value < LATEST.date():
        raise ValueError(f"{value.isoformat()} is out of range: dates must lie {_SPAN}")
    return value


BoundedDatetime = Annotated[AwareDatetime, AfterValidator(within_bounds)]
"""An aware datetime inside Referee's span: what every event and query parameter uses."""

BoundedDate = Annotated[date, AfterValidator(date_within_bounds)]
