"""What-if, the use case: replay a period twice, under the rules in force and with the draft in their
place, and compare. The draft governs the whole period (as if it had taken effect at its start);
what came before the period is replayed too, identically on both sides, so the period starts from the
customers, locks and qualifications that really were there."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from referee_dedup.domain.profile import Profile
from referee_shared.rules.rulebook import RuleBook
from referee_shared.rules.ruleset import RuleSet

from .history import History, months_before
from .report import WhatIfReport, compare
from .sandbox import replay

Progress = Callable[[int, int], None]
"""Told (events replayed, events to replay) as a what-if runs."""


def draft_book(book: RuleBook, draft: RuleSet, since: datetime) -> RuleBook:
    """The book with ``draft`` in force for its rule set from ``since`` on, and no other version after it."""
    kept = [r for r in book.rule_sets if r.id != draft.id or (r.effective_from < since and r.version < draft.version)]
    return RuleBook([*kept, draft.model_copy(update={"effective_from": since})])


def what_if(
    history: History,
    book: RuleBook,
    draft: RuleSet,
    *,
    months: int,
    until: datetime,
    large_amount: Decimal = Decimal(1_000_000),
    progress: Progress | None = None,
) -> WhatIfReport:
    """The report of ``draft`` tried on the last ``months`` months before ``until``; no side effects."""
    since = months_before(until, months)
    total = 2 * len(history.events)
    done = 0

    def step(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(min(done, total), total)

    profiles: dict[UUID, Profile] = {}  # the second replay reuses the first one's normalised customers
    before = replay(history, book, until, step, profiles)
    after = replay(history, draft_book(book, draft, since), until, step, profiles)
    if progress is not None:
        progress(total, total)
    replaced = sorted(
        {o.rule_ref for o in before.leads.values() if since <= o.received_at and o.rule_ref.startswith(f"{draft.id}@")}
    )
    return compare(
        before,
        after,
        rule_set=draft.id,
        draft=draft.ref,
        replaced=replaced,
        since=since,
        until=until,
        months=months,
        large_amount=large_amount,
    )
