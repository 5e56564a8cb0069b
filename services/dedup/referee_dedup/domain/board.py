"""The demand board's rules, in plain Python: who may see and post on a shared account's board, what of
another partner's entries stays hidden, and when two partners' visits to one contact collide.

A *shared account* is a customer whose slices (departments, buying units) or claims are held by
partners; those holders are the partners the board is shared with. Staff see by role: reviewers
within their regions, arbiters (HQ) and admins (channel managers) everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

from .normalize import clean_text

CHINA = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Viewer:
    """Who looks at a board: a role, the partner a partner acts for, a reviewer's regions."""

    role: str
    partner_id: str | None = None
    regions: tuple[str, ...] = ()

    @property
    def is_partner(self) -> bool:
        return self.role == "partner"


def may_see_account(viewer: Viewer, holders: Iterable[str], region: str | None) -> bool:
    """A partner sees the boards of accounts it holds a slice or claim of; a reviewer those of its regions
    (all when it has none); arbiters and admins every board. Finance has no business on the board."""
    if viewer.is_partner:
        return viewer.partner_id is not None and viewer.partner_id in set(holders)
    if viewer.role == "reviewer":
        return not viewer.regions or (region is not None and any(region.startswith(r) for r in viewer.regions))
    return viewer.role in ("arbiter", "admin", "channel_manager")


def may_post(partner_id: str, holders: Iterable[str]) -> bool:
    """Only a partner entitled to an account's board puts plans and visits on it."""
    return partner_id in set(holders)


def contact_key(contact: str) -> str:
    """A contact as two partners may write it ('设备科 李科长', '設備科李科長') compares equal."""
    return clean_text(contact) or contact.strip()


def china_day(at: datetime) -> date:
    return at.astimezone(CHINA).date()


def same_week(day: date, today: date) -> bool:
    """Is ``day`` in the ISO week (Monday to Sunday, Asia/Shanghai) of ``today``?"""
    return day.isocalendar()[:2] == today.isocalendar()[:2]


@dataclass(frozen=True)
class VisitEntry:
    visit_id: UUID
    partner_id: str
    contact_key: str
    visit_on: date


def clashes(visit: VisitEntry, others: Iterable[VisitEntry], window_days: int) -> list[VisitEntry]:
    """The other partners' visits to the same contact within ``window_days`` of ``visit``, either side.

    A partner's own visits never clash with each other: following up one's own contact is the point.
    """
    window = timedelta(days=window_days)
    return [
        other
        for other in others
        if other.partner_id != visit.partner_id
        and other.visit_id != visit.visit_id
        and other.contact_key == visit.contact_key
        and abs(other.visit_on - visit.visit_on) <= window
    ]


@dataclass(frozen=True)
class PlanFacts:
    partner_id: str
    estimated_amount: Decimal | None
    notes: str


def shown_amount(viewer: Viewer, plan: PlanFacts) -> Decimal | None:
    """A plan's amount is the reporter's own business and staff's: another partner never sees it."""
    return plan.estimated_amount if may_see_details(viewer, plan.partner_id) else None


def may_see_details(viewer: Viewer, owner: str) -> bool:
    """Amounts, notes and who of a partner's staff went: the partner itself and staff only."""
    return not viewer.is_partner or viewer.partner_id == owner
