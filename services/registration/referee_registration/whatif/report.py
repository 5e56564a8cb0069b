"""The what-if report: two replays of one history (the rules in force, and the draft in their place)
compared decision by decision, lock by lock, figure by figure and partner by partner.

Both sides are replays, so a difference is the rules' doing and nothing else's (no reviewer, clock or
race differs between them). Every list is sorted and every amount is a Decimal, so the report's JSON is
the same bytes for the same inputs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, Field

from ..figures.measures import Count, LeadFacts, Measure, lead_counts
from .sandbox import DealOutcomeOf, LeadOutcome, LockOutcome, Replay

ALL_PARTNERS = "*"
ZERO = Decimal("0.00")


class DecisionSide(BaseModel):
    """One side of a decision: what the partner would have been told, and under which rule version."""

    outcome: str
    reason_code: str
    reason: str
    rule_ref: str
    customer_key: str | None
    lock_expires_at: datetime | None
    protected_until: datetime | None
    explanation: list[str]


class ChangedDecision(BaseModel):
    lead_id: UUID
    partner_id: str
    customer_name: str
    product_line: str
    received_at: datetime
    before: DecisionSide
    after: DecisionSide


class LockSide(BaseModel):
    customer_key: str
    starts_at: datetime
    expires_at: datetime
    ended: str = Field(description="active, expired, won or lost at the end of the replay")
    ended_at: datetime | None


class LockDifference(BaseModel):
    lead_id: UUID
    partner_id: str
    change: str = Field(description="granted, gone, expires_earlier, expires_later, moved or ended_differently")
    before: LockSide | None
    after: LockSide | None


class FigureDifference(BaseModel):
    measure: str
    partner: str = Field(description="a partner, or * for every partner")
    before: int
    after: int


class PartnerAmount(BaseModel):
    party_id: str
    before: Decimal
    after: Decimal
    difference: Decimal
    deals: list[str] = Field(description="the deals whose split for this party differs")


class WhatIfReport(BaseModel):
    rule_set: str
    draft: str = Field(description="the version tried, id@version")
    replaced: list[str] = Field(description="the versions in force over the period that the draft replaces")
    since: datetime
    until: datetime
    months: int
    registrations: int
    decisions_changed: int
    changed: list[ChangedDecision]
    locks: list[LockDifference]
    figures: list[FigureDifference]
    settlements: list[PartnerAmount]
    deals_replayed: int


def compare(
    before: Replay,
    after: Replay,
    *,
    rule_set: str,
    draft: str,
    replaced: list[str],
    since: datetime,
    until: datetime,
    months: int,
    large_amount: Decimal,
) -> WhatIfReport:
    leads = sorted(
        (o for o in before.leads.values() if since <= o.received_at <= until),
        key=lambda o: (o.received_at, str(o.lead_id)),
    )
    deals = sorted((d for d in before.deals.values() if since <= d.closed_at <= until), key=lambda d: d.deal_id)
    changed = [
        ChangedDecision(
            lead_id=old.lead_id,
            partner_id=old.partner_id,
            customer_name=old.customer_name,
            product_line=old.product_line,
            received_at=old.received_at,
            before=_side(old),
            after=_side(new),
        )
        for old in leads
        if _decision_of(old) != _decision_of(new := after.leads[old.lead_id])
    ]
    locks = [d for old in leads if (d := _lock_difference(old, after.leads[old.lead_id])) is not None]
    return WhatIfReport(
        rule_set=rule_set,
        draft=draft,
        replaced=replaced,
        since=since,
        until=until,
        months=months,
        registrations=len(leads),
        decisions_changed=len(changed),
        changed=changed,
        locks=locks,
        figures=_figures(
            _counts(leads, before, large_amount),
            _counts([after.leads[o.lead_id] for o in leads], after, large_amount),
        ),
        settlements=_settlements(deals, after),
        deals_replayed=len(deals),
    )


def _decision_of(o: LeadOutcome) -> tuple[str, str]:
    # The reason's wording names the rule version, which always differs: the outcome and its code decide.
    # A lock that now protects another account or slice is a lock difference ("moved"), not a new decision.
    return o.outcome, o.reason_code


def _side(o: LeadOutcome) -> DecisionSide:
    return DecisionSide(
        outcome=o.outcome,
        reason_code=o.reason_code,
        reason=o.reason,
        rule_ref=o.rule_ref,
        customer_key=o.customer_key,
        lock_expires_at=o.lock.expires_at if o.lock else None,
        protected_until=o.protected_until,
        explanation=list(o.explanation),
    )


def _lock_side(lock: LockOutcome | None) -> LockSide | None:
    if lock is None:
        return None
    return LockSide(
        customer_key=lock.customer_key,
        starts_at=lock.starts_at,
        expires_at=lock.expires_at,
        ended=lock.ended,
        ended_at=lock.ended_at,
    )


def _lock_difference(old: LeadOutcome, new: LeadOutcome) -> LockDifference | None:
    a, b = old.lock, new.lock
    if a is None and b is None:
        return None
    if a is None:
        change = "granted"
    elif b is None:
        change = "gone"
    elif a.customer_key != b.customer_key:
        change = "moved"
    elif b.expires_at < a.expires_at:
        change = "expires_earlier"
    elif b.expires_at > a.expires_at:
        change = "expires_later"
    elif (a.ended, a.ended_at) != (b.ended, b.ended_at):
        change = "ended_differently"
    else:
        return None
    return LockDifference(
        lead_id=old.lead_id, partner_id=old.partner_id, change=change, before=_lock_side(a), after=_lock_side(b)
    )


def _counts(leads: Iterable[LeadOutcome], replay: Replay, large_amount: Decimal) -> Counter[tuple[str, str]]:
    """The figures' lead measures (conflicts, locks, closes, large accounts, expiries) by partner, as the
    figures read model counts them (its own ``lead_counts``), from the replay's decisions and deals."""
    deals_of: dict[UUID, DealOutcomeOf] = {}
    for deal in sorted(replay.deals.values(), key=lambda d: (d.closed_at, d.deal_id)):
        deals_of.setdefault(deal.lead_id, deal)
    totals: Counter[tuple[str, str]] = Counter()
    customers: set[tuple[str, str]] = set()
    for lead in leads:
        counts = lead_counts(_facts(lead, deals_of.get(lead.lead_id)), large_amount=large_amount)
        if lead.outcome == "accepted" and lead.customer_key is not None:
            customers.add((lead.partner_id, lead.customer_key))
        for count in counts:
            _add(totals, count, lead.partner_id)
    for partner, _ in customers:
        totals[(Measure.CUSTOMERS_REGISTERED.value, partner)] += 1
        totals[(Measure.CUSTOMERS_REGISTERED.value, ALL_PARTNERS)] += 1
    return totals


def _add(totals: Counter[tuple[str, str]], count: Count, partner: str) -> None:
    totals[(count.measure.value, partner)] += 1
    totals[(count.measure.value, ALL_PARTNERS)] += 1


def _facts(lead: LeadOutcome, deal: DealOutcomeOf | None) -> LeadFacts:
    facts = LeadFacts(
        lead_id=str(lead.lead_id),
        partner=lead.partner_id,
        channel=lead.channel,
        region=lead.region,
        rule_ref=lead.rule_ref,
        customer_key=lead.customer_key,
        submitted_at=lead.received_at,
        followed_up=lead.followed_up,
    )
    if lead.outcome in ("accepted", "rejected"):
        facts.decided_at, facts.outcome, facts.reason_code = lead.received_at, lead.outcome, lead.reason_code
    if lead.lock is not None and lead.lock.ended == "expired":
        facts.expired_at = lead.lock.ended_at
    if lead.outcome == "accepted" and deal is not None:
        facts.closed_at, facts.won, facts.deal_amount = deal.closed_at, deal.outcome == "won", deal.amount
    return facts


def _figures(before: Counter[tuple[str, str]], after: Counter[tuple[str, str]]) -> list[FigureDifference]:
    """Every measure over all partners (changed or not), then each partner's measures that differ."""
    rows = [
        FigureDifference(measure=m.value, partner=ALL_PARTNERS, before=before[key], after=after[key])
        for m in Measure
        if (key := (m.value, ALL_PARTNERS)) in before or key in after
    ]
    partners = sorted({p for _, p in (*before, *after) if p != ALL_PARTNERS})
    rows += [
        FigureDifference(measure=m.value, partner=p, before=before[(m.value, p)], after=after[(m.value, p)])
        for p in partners
        for m in Measure
        if before[(m.value, p)] != after[(m.value, p)]
    ]
    return rows


def _settlements(deals: list[DealOutcomeOf], after: Replay) -> list[PartnerAmount]:
    amounts: dict[str, tuple[Decimal, Decimal, list[str]]] = {}
    for old in deals:
        new = after.deals[old.deal_id]
        for party in sorted({*old.shares, *new.shares}):
            a, b = old.shares.get(party, ZERO), new.shares.get(party, ZERO)
            total_a, total_b, differing = amounts.get(party, (ZERO, ZERO, []))
            amounts[party] = (total_a + a, total_b + b, [*differing, old.deal_id] if a != b else differing)
    return [
        PartnerAmount(party_id=party, before=a, after=b, difference=b - a, deals=differing)
        for party, (a, b, differing) in sorted(amounts.items())
        if a != b
    ]
