"""What the outcome figures count, and when a fact about a lead, dispute or task becomes countable.

Plain Python: the fold (``fold.py``) keeps one fact record per lead, dispute, customer and task, updated
from whichever event arrives first; each time a record changes, the functions here say which counts
it now completes. A count is made once (its measure is remembered in ``counted``), so events may
arrive in any order across topics and still add up to the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
UNKNOWN = "—"
"""The dimension value of a count whose region (or partner, channel) is not known."""


class Measure(StrEnum):
    DECIDED = "decided"
    REFUSED_DUPLICATE = "refused_duplicate"
    REFUSED_CROSS_REGION = "refused_cross_region"
    REFUSED_TIER = "refused_tier"
    REFUSED_OTHER = "refused_other"
    CUSTOMERS_REGISTERED = "customers_registered"
    CUSTOMERS_DISPUTED = "customers_disputed"
    DISPUTES_OPENED = "disputes_opened"
    FIRST_RULINGS = "first_rulings"
    """total: hours from opening to the first ruling"""
    FINAL_RULINGS = "final_rulings"
    """total: hours from opening to the ruling that took effect"""
    CLOSED = "closed"
    """total: days from registration to won or lost"""
    LARGE_CLOSED = "large_closed"
    LARGE_WON = "large_won"
    LOCKS_GRANTED = "locks_granted"
    LOCKS_EXPIRED_UNFOLLOWED = "locks_expired_unfollowed"
    TASKS_CLOSED = "tasks_closed"
    TASKS_ON_TIME = "tasks_on_time"


def refusal_measure(reason_code: str) -> Measure:
    """The kind of conflict a refusal stands for, from the decision's machine-readable reason."""
    if reason_code == "duplicate":
        return Measure.REFUSED_DUPLICATE
    if reason_code == "out_of_region" or reason_code.startswith("cross_region"):
        return Measure.REFUSED_CROSS_REGION
    if reason_code.startswith("tier"):
        return Measure.REFUSED_TIER
    return Measure.REFUSED_OTHER


@dataclass(frozen=True)
class Dims:
    """Where a count falls: the partner, region and channel of the lead, and the rule set that decided it."""

    partner: str
    region: str
    channel: str
    rule_ref: str


@dataclass(frozen=True)
class Count:
    measure: Measure
    at: datetime
    dims: Dims
    total: Decimal = Decimal(0)

    @property
    def day(self) -> date:
        """Figures are reported by the calendar of their readers (Asia/Shanghai)."""
        return self.at.astimezone(SHANGHAI).date()


@dataclass
class LeadFacts:
    lead_id: str
    partner: str | None = None
    channel: str | None = None
    region: str | None = None
    rule_ref: str | None = None
    customer_key: str | None = None
    submitted_at: datetime | None = None
    decided_at: datetime | None = None
    outcome: str | None = None
    reason_code: str | None = None
    closed_at: datetime | None = None
    won: bool | None = None
    deal_amount: Decimal | None = None
    expired_at: datetime | None = None
    followed_up: bool = False
    counted: set[str] = field(default_factory=set)

    def dims(self) -> Dims | None:
        """Known once a lifecycle move told us the lead's channel (every move carries it)."""
        if self.partner is None or self.channel is None or self.rule_ref is None:
            return None
        return Dims(self.partner, self.region or UNKNOWN, self.channel, self.rule_ref)


HOUR = Decimal(3600)
DAY = Decimal(86400)


def lead_counts(facts: LeadFacts, *, large_amount: Decimal) -> list[Count]:
    """The counts ``facts`` now completes that were not made before; records them in ``facts.counted``."""
    dims = facts.dims()
    if dims is None:
        return []
    due: list[Count] = []
    if facts.decided_at and facts.outcome == "accepted":
        due += [Count(Measure.DECIDED, facts.decided_at, dims), Count(Measure.LOCKS_GRANTED, facts.decided_at, dims)]
    if facts.decided_at and facts.outcome == "rejected":
        due.append(Count(Measure.DECIDED, facts.decided_at, dims))
        if facts.reason_code is not None:
            due.append(Count(refusal_measure(facts.reason_code), facts.decided_at, dims))
    if facts.closed_at and facts.submitted_at:
        days = Decimal((facts.closed_at - facts.submitted_at).total_seconds()) / DAY
        due.append(Count(Measure.CLOSED, facts.closed_at, dims, days))
    large = facts.deal_amount is not None and facts.deal_amount >= large_amount
    if facts.closed_at and facts.won is not None and large:
        due.append(Count(Measure.LARGE_CLOSED, facts.closed_at, dims))
        if facts.won:
            due.append(Count(Measure.LARGE_WON, facts.closed_at, dims))
    if facts.expired_at and not facts.followed_up:
        due.append(Count(Measure.LOCKS_EXPIRED_UNFOLLOWED, facts.expired_at, dims))
    return _once(due, facts.counted)


@dataclass
class DisputeFacts:
    dispute_id: str
    lead_id: str | None = None
    customer_key: str | None = None
    opened_at: datetime | None = None
    first_ruled_at: datetime | None = None
    final_at: datetime | None = None
    counted: set[str] = field(default_factory=set)


def dispute_counts(facts: DisputeFacts, dims: Dims | None) -> list[Count]:
    """Counts of a dispute, in the dimensions of the registration it contests (once those are known)."""
    if dims is None or facts.opened_at is None:
        return []
    due = [Count(Measure.DISPUTES_OPENED, facts.opened_at, dims)]
    if facts.first_ruled_at:
        hours = Decimal((facts.first_ruled_at - facts.opened_at).total_seconds()) / HOUR
        due.append(Count(Measure.FIRST_RULINGS, facts.first_ruled_at, dims, hours))
    if facts.final_at:
        hours = Decimal((facts.final_at - facts.opened_at).total_seconds()) / HOUR
        due.append(Count(Measure.FINAL_RULINGS, facts.final_at, dims, hours))
    return _once(due, facts.counted)


@dataclass
class TaskFacts:
    task_id: str
    opened: bool = False
    due_at: datetime | None = None
    region: str | None = None
    partner: str | None = None
    closed_at: datetime | None = None
    outcome: str | None = None
    counted: set[str] = field(default_factory=set)


NOT_DECIDED = frozenset({"escalated", "expired"})
"""A task closed this way passed its deadline undecided; a withdrawn task is not counted at all."""


def task_counts(facts: TaskFacts) -> list[Count]:
    """A reviewer task with a deadline, once closed: on time when decided by its deadline."""
    if not facts.opened or facts.due_at is None or facts.closed_at is None or facts.outcome == "withdrawn":
        return []
    dims = Dims(facts.partner or UNKNOWN, facts.region or UNKNOWN, UNKNOWN, UNKNOWN)
    due = [Count(Measure.TASKS_CLOSED, facts.closed_at, dims)]
    if facts.outcome not in NOT_DECIDED and facts.closed_at <= facts.due_at:
        due.append(Count(Measure.TASKS_ON_TIME, facts.closed_at, dims))
    return _once(due, facts.counted)


def _once(due: list[Count], counted: set[str]) -> list[Count]:
    fresh = [count for count in due if count.measure.value not in counted]
    counted.update(count.measure.value for count in fresh)
    return fresh
