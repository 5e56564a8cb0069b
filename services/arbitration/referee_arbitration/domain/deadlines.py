"""Every deadline of a dispute, from the rule set's arbitration section: one place computes each."""

from __future__ import annotations

from datetime import datetime, timedelta

from referee_shared.rules.arbitration import ArbitrationRules


def first_level_due(opened_at: datetime, rules: ArbitrationRules) -> datetime:
    return opened_at + timedelta(hours=rules.first_level_deadline_hours)


def hq_due(escalated_at: datetime, rules: ArbitrationRules) -> datetime:
    return escalated_at + timedelta(hours=rules.hq_deadline_hours)


def appeal_until(decided_at: datetime, rules: ArbitrationRules) -> datetime:
    return decided_at + timedelta(hours=rules.appeal_window_hours)


def statements_until(since: datetime, rules: ArbitrationRules) -> datetime:
    """Statements are taken for a window after opening, and again after an appeal (so the other side can answer)."""
    return since + timedelta(hours=rules.statement_window_hours)


def reminder_at(due: datetime, rules: ArbitrationRules) -> datetime:
    return due - timedelta(hours=rules.reminder_hours_before)
