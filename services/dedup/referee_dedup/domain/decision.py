"""The order in which dedup's rules decide a claim on a customer, over data loaded beforehand.

Plain Python: the use case loads the candidates, their claims, slice bindings, reviewers' pair
decisions and the protected customers nearby (``claims.Known``), calls ``decide`` and writes what
it answers. ``RULES`` is the order; the first rule that answers decides, else the claim is unique.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from referee_shared.rules.limits import refusal
from referee_shared.rules.ruleset import RuleSet
from referee_shared.rules.territory import CrossRegionAction

from .claims import (
    Binding,
    ClaimOf,
    ClaimRequest,
    Decision,
    Known,
    Protection,
    Reason,
    ReviewAsk,
    ReviewedPair,
    Verdict,
)
from .matching import Candidate, Level, Thresholds
from .profile import Profile
from .slices import WHOLE_ACCOUNT, claim_key, overlaps, slice_of
from .territory import cross_region_conflict, out_of_region
from .tiers import wrong_channel


@dataclass(frozen=True, slots=True)
class _Case:
    """One claim under decision: the request, the facts, and what matching and slicing made of them."""

    request: ClaimRequest
    known: Known
    rules: RuleSet
    thresholds: Thresholds
    duplicate: Candidate | None
    others: list[Candidate]
    slice_name: str | None
    claims: list[Protection] = field(default_factory=list)  # of the duplicate's account
    bindings: list[Binding] = field(default_factory=list)  # of the duplicate's account

    def live(self, claims: Sequence[Protection]) -> list[Protection]:
        """Claims held by another lead right now."""
        return [c for c in claims if c.active and c.lead_id != self.request.lead_id]

    def explain(self, candidate: Candidate) -> tuple[Reason, ...]:
        reasons = [
            Reason(e.field, max(0.0, min(1.0, e.similarity)), f"{e.detail} (weight {e.weight:+g})")
            for e in candidate.evidence()
        ]
        verdict = f"{candidate.decided_by(self.thresholds)} ({self.rules.ref})"
        return (*reasons, Reason("rule", round(candidate.score, 4), verdict))

    def refused(self, code: str, reason: str, rule: str) -> Decision:
        explanation = self.explain(self.duplicate) if self.duplicate is not None else ()
        matched = self.duplicate.key if self.duplicate is not None else None
        return Decision(
            Verdict.REFUSED,
            matched or "unmatched",
            code,
            reason,
            (*explanation, Reason("rule", 1.0, f"{rule} ({self.rules.ref})")),
            matched=matched,
        )


def decide(request: ClaimRequest, known: Known, rules: RuleSet) -> Decision:
    """The verdict on a claim and its explanation: the first rule in ``RULES`` that answers, else unique."""
    case = _case(request, known, rules)
    for rule in RULES:
        if (decision := rule(case)) is not None:
            return decision
    return _first_claim(case)


def _case(request: ClaimRequest, known: Known, rules: RuleSet) -> _Case:
    thresholds = Thresholds(rules.dedup.duplicate_threshold, rules.dedup.possible_threshold)
    candidates = _remembered(request.customer, list(known.candidates), known.pair_decisions)
    duplicate = candidates[0] if candidates and candidates[0].level is Level.DUPLICATE else None
    if duplicate is None:
        return _Case(
            request, known, rules, thresholds, None, candidates, slice_of(rules.dedup.slice_by, request.department)
        )
    distinct = {
        d.other_key if d.customer_key == duplicate.key else d.customer_key
        for d in known.pair_decisions
        if d.about(duplicate.key) and d.relation == "distinct"
    }
    others = [c for c in candidates[1:] if c.key not in distinct and c.key != duplicate.key]
    claims = [c for c in known.claims if c.account == duplicate.key]
    bindings = [b for b in known.bindings if b.account == duplicate.key]
    known_slices = [c.slice for c in claims if c.slice] + [b.slice for b in bindings]
    slice_name = slice_of(rules.dedup.slice_by, request.department, known_slices)
    return _Case(request, known, rules, thresholds, duplicate, others, slice_name, claims, bindings)


def _remembered(query: Profile, candidates: list[Candidate], decisions: Sequence[ReviewedPair]) -> list[Candidate]:
    """A customer written exactly as one a reviewer already decided about is that customer: not asked again."""
    for position, candidate in enumerate(candidates):
        if candidate.level is Level.DUPLICATE or not _written_alike(query, candidate.profile):
            continue
        if any(d.about(candidate.key) for d in decisions):
            promoted = Candidate(candidate.profile, candidate.comparison, Level.DUPLICATE)
            return [promoted, *candidates[:position], *candidates[position + 1 :]]
    return candidates


def _written_alike(a: Profile, b: Profile) -> bool:
    return (a.full, a.place, a.uscc, a.phone, a.street, a.lat, a.lon) == (
        b.full,
        b.place,
        b.uscc,
        b.phone,
        b.street,
        b.lat,
        b.lon,
    )


def _already_protected(case: _Case) -> Decision | None:
    """The matched customer (or the same slice of it, or the whole account) is held by another lead."""
    if case.duplicate is None:
        return None
    blocking = [c for c in case.live(case.claims) if overlaps(c.slice, case.slice_name)]
    if not blocking:
        return None
    until = max(c.protected_until for c in blocking)
    what = "this customer" if case.slice_name in (None, WHOLE_ACCOUNT) else f"this account's {case.slice_name}"
    return Decision(
        Verdict.DUPLICATE,
        claim_key(case.duplicate.key, case.slice_name),
        "duplicate",
        f"{what} is already protected until {until.isoformat()}",
        case.explain(case.duplicate),
        matched=case.duplicate.key,
        protected_until=until,
    )


def _wrong_channel(case: _Case) -> Decision | None:
    """The opportunity's size puts it in a tier that belongs to another channel."""
    request, rules = case.request, case.rules
    if reason := wrong_channel(rules.tiers, rules.ref, request.amount, request.channel):
        return case.refused("tier_channel", reason, "tiers.enforce_channel")
    return None


def _out_of_region(case: _Case) -> Decision | None:
    """The customer is outside the partner's permitted regions, or not known well enough to tell."""
    request, rules = case.request, case.rules
    if refusal := out_of_region(rules.territory, rules.ref, request.partner_id, request.customer.place, request.point):
        return case.refused(refusal.code, refusal.reason, "territory.partner_regions")
    return None


def _slice_bound(case: _Case) -> Decision | None:
    """An administrator bound this slice of the account to another partner."""
    if case.duplicate is None or case.slice_name in (None, WHOLE_ACCOUNT):
        return None
    bound = [b for b in case.bindings if b.slice == case.slice_name]
    if not bound or bound[0].partner_id == case.request.partner_id:
        return None
    reason = f"{case.slice_name} of this account is bound to another partner (slice binding, {case.rules.ref})"
    return case.refused("slice_bound", reason, "dedup.slice_by")


def _near_another_region(case: _Case) -> Decision | None:
    """Within N km of a customer protected by a partner of another region: refused, or held for a reviewer."""
    request, territory, ref = case.request, case.rules.territory, case.rules.ref
    point, radius = request.point, territory.cross_region_radius_km
    if point is None or radius is None:
        return None
    account = case.duplicate.key if case.duplicate is not None else None
    nearby = [n for n in case.known.nearby if n.customer_key != account]
    conflict = cross_region_conflict(territory, request.partner_id, point, nearby)
    if conflict is None:
        return None
    other, km = conflict
    reason = (
        f"within {km:.1f} km of a customer protected by a partner of another region; "
        f"territory.cross_region_radius_km is {radius:g} in {ref}"
    )
    rule = Reason("rule", 1.0, f"territory.cross_region_radius_km {radius:g} ({ref})")
    distance = Reason("distance", max(0.0, 1 - km / radius), f"{km:.2f} km to {other.customer_key}")
    key = other.customer_key
    if territory.cross_region_action is CrossRegionAction.REFUSE:
        return Decision(Verdict.REFUSED, key, "cross_region_radius", reason, (distance, rule), key)
    review = ReviewAsk(
        "cross_region",
        f"Registration within {km:.1f} km of another region's protected customer",
        ("refuse", "allow"),
        "refuse",
        {"nearby_customer": key, "distance_km": round(km, 2), "rule": rule.detail},
        ({"key": key, "score": 1.0},),
    )
    reason += "; held for a reviewer"
    return Decision(Verdict.POSSIBLE, key, "cross_region_review", reason, (distance, rule), key, review=review)


def _contested(case: _Case) -> Decision | None:
    """Another candidate, not sure enough to be this customer, is protected by another lead: a reviewer decides."""
    contested = [c for c in case.others if _protected_by_another(case, c.key)]
    if not contested:
        return None
    best, request = contested[0], case.request
    details = {
        "incoming": dict(request.written),
        "candidates": [
            {
                "customer_key": c.key,
                "name": c.profile.name,
                "score": round(c.score, 4),
                "reasons": [f"{e.field} {e.weight:+g}: {e.detail}" for e in c.evidence()],
            }
            for c in contested
        ],
    }
    review = ReviewAsk(
        "possible_duplicate",
        f"Possible duplicate: {request.name}",
        ("duplicate", "distinct"),
        "duplicate",
        details,
        tuple({"key": c.key, "score": round(c.score, 4)} for c in contested),
    )
    return Decision(
        Verdict.POSSIBLE,
        best.key,
        "possible_duplicate",
        "this may be a customer already protected; a reviewer will decide",
        case.explain(best),
        matched=best.key,
        review=review,
    )


def _related_protected(case: _Case) -> Decision | None:
    """A branch of an organisation another partner protects, where the industry treats that as a conflict."""
    if case.duplicate is not None or not case.rules.dedup.related_is_conflict:
        return None
    for group in case.known.related:
        if _protected_by_another(case, group.key):
            reason = (
                f"a branch of {group.profile.name}, which is protected (dedup.related_is_conflict, {case.rules.ref})"
            )
            return Decision(Verdict.RELATED, group.key, "related", reason, case.explain(group), matched=group.key)
    return None


def _protected_by_another(case: _Case, account: str) -> bool:
    claims = [c for c in case.known.claims if c.account == account]
    return any(overlaps(c.slice, case.slice_name) for c in case.live(claims))


def _cooling_off(case: _Case) -> Decision | None:
    """The same partner locking again, too soon, a customer whose protection it gave up (withdrawn or expired)."""
    request = case.request
    if case.duplicate is None or request.received_at is None:
        return None
    days = case.rules.limits.cooling_off_days
    for claim in case.known.claims:
        ended = claim.protected_until
        until = ended + timedelta(days=days)
        if (claim.account, claim.slice) != (case.duplicate.key, case.slice_name) or claim.active:
            continue
        if claim.partner_id != request.partner_id or request.received_at >= until:
            continue
        found = refusal(
            "cooling_off",
            case.rules.ref,
            "cooling_off_days",
            days,
            f"your protection of this customer ended on {ended:%Y-%m-%d}; "
            f"you may register it again from {until:%Y-%m-%d}",
        )
        return Decision(
            Verdict.REFUSED,
            claim_key(case.duplicate.key, case.slice_name),
            found.reason_code,
            found.reason,
            (*case.explain(case.duplicate), Reason("rule", 1.0, found.rule)),
            matched=case.duplicate.key,
        )
    return None


def _first_claim(case: _Case) -> Decision:
    """No rule stands in the way: the matched customer (or a new one) is claimed."""
    duplicate, slice_name = case.duplicate, case.slice_name
    where = "" if slice_name in (None, WHOLE_ACCOUNT) else f" ({slice_name})"
    if duplicate is not None:
        return Decision(
            Verdict.UNIQUE,
            claim_key(duplicate.key, slice_name),
            "known_customer_unprotected",
            f"no live registration of this customer{where}",
            case.explain(duplicate),
            matched=duplicate.key,
            claim=ClaimOf(duplicate.key, slice_name, new=False),
        )
    account = case.request.new_customer_key
    return Decision(
        Verdict.UNIQUE,
        claim_key(account, slice_name),
        "unique",
        f"no live registration of this customer{where}",
        claim=ClaimOf(account, slice_name, new=True),
    )


# The order is the contract (docs/dedup.md): a protected customer is a duplicate whatever else is wrong;
# refusals come before a reviewer is asked; a reviewer is asked only when nothing else decides.
RULES: tuple[Callable[[_Case], Decision | None], ...] = (
    _already_protected,
    _wrong_channel,
    _out_of_region,
    _slice_bound,
    _near_another_region,
    _related_protected,
    _contested,
    _cooling_off,
)
