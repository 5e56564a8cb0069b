"""The protection period's rules in plain Python: reminders, extension requests and follow-up.

The lock workflow asks these functions what to do; they never look at a clock of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from referee_shared.rules.protection import ExtensionPolicy, FollowUpPolicy


class ExtensionRefused(Exception):
    """An extension request the rule set does not allow, with the reason for the partner."""


@dataclass(frozen=True)
class Reminder:
    days_before: int
    at: datetime


def next_reminder(
    days_before: list[int], *, expires_at: datetime, armed_at: datetime, sent: list[int]
) -> Reminder | None:
    """The earliest reminder not yet sent for this expiry.

    Reminders are armed when an expiry is set: a reminder whose moment had already passed then is
    skipped rather than sent late, so an extension never produces a burst of stale reminders.
    """
    due = [
        Reminder(days, expires_at - timedelta(days=days))
        for days in sorted(set(days_before), reverse=True)
        if days > 0 and days not in sent and expires_at - timedelta(days=days) >= armed_at
    ]
    return due[0] if due else None


def check_extension(policy: ExtensionPolicy, *, granted: int, pending_task: str | None, days: int) -> None:
    """Raise ExtensionRefused unless the rule allows one more extension of ``days`` days now."""
    if pending_task is not None:
        raise ExtensionRefused(f"an extension request is already waiting for a reviewer (task {pending_task})")
    if days < 1:
        raise ExtensionRefused("an extension must be at least one day")
    if granted >= policy.max_extensions:
        raise ExtensionRefused(f"this lock has had {granted} of the {policy.max_extensions} extensions the rule allows")
    if days > policy.max_days_each:
        raise ExtensionRefused(f"an extension may last at most {policy.max_days_each} days; {days} were asked")


def follow_up_expiry(
    policy: FollowUpPolicy, *, kind: str, at: datetime, starts_at: datetime, expires_at: datetime
) -> datetime | None:
    """The later expiry a follow-up activity earns, or None when it changes nothing.

    A qualifying activity while the lock is alive pushes expiry to activity time + extend_days,
    never beyond starts_at + max_total_days, and never backwards.
    """
    if not policy.enabled or kind not in policy.activity_kinds or at >= expires_at:
        return None
    cap = starts_at + timedelta(days=policy.max_total_days)
    candidate = min(at + timedelta(days=policy.extend_days), cap)
    return candidate if candidate > expires_at else None
