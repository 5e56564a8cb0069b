"""What dedup does: decide each claim on a customer in log order per region, hand doubtful ones to a
reviewer and apply the decision, and follow the locks' lifecycle."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from referee_shared.events.checks import DedupOutcome, DedupRequested, DedupVerdict, MatchReason
from referee_shared.events.envelope import Envelope
from referee_shared.events.leads import LockChange, LockChanged
from referee_shared.events.tasks import TaskClosed, TaskKind, TaskOpened
from referee_shared.outbox import Transaction, Transactions
from referee_shared.regions import region_key
from referee_shared.rules.limits import refusal
from referee_shared.rules.rulebook import RuleBook
from referee_shared.rules.ruleset import RuleSet
from referee_shared.rules.territory import CrossRegionAction
from referee_shared.settings import ServiceSettings
from referee_shared.topics import DEDUP_VERDICTS, TASKS_EVENTS

from .domain.geo import Grid, bounding_box
from .domain.matching import Candidate, Level, Thresholds, find_matches
from .domain.normalize import name_key, phone_key
from .domain.profile import Profile, profile
from .domain.slices import WHOLE_ACCOUNT, claim_key, overlaps, slice_of
from .domain.territory import ProtectedNearby, cross_region_conflict, out_of_region
from .domain.tiers import tier_for, wrong_channel
from .index_sync import IndexFollower, record_of
from .ports import ReviewScheduler
from .store import Claim, Customer, CustomerRepository, PairDecision, Review, VerdictRecord
from .workflows.models import REVIEW_WORKFLOW_KIND, ReviewDecision, ReviewInput

CONSUMER = "dedup"
_RADIUS_LOCK_GRID = Grid(0.5)


@dataclass
class Outcome:
    """A verdict about to be given, and what it implies."""

    outcome: DedupOutcome
    customer_key: str
    code: str
    reason: str
    explanation: list[MatchReason] = field(default_factory=list)
    matched: str | None = None
    protected_until: datetime | None = None
    review: ReviewInput | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)


class Dedup:
    def __init__(
        self, transactions: Transactions, rules: RuleBook, reviews: ReviewScheduler, settings: ServiceSettings
    ) -> None:
        self._tx = transactions
        self._rules = rules
        self._reviews = reviews
        self._settings = settings
        self.follower = IndexFollower()

    async def check(self, event: Envelope[Any]) -> None:
        """Decide a claim: duplicate of a protected customer, refused by a rule, held for review, or the first."""
        request: DedupRequested = event.payload
        written: list[Customer] = []
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            customers = CustomerRepository(tx.session)
            earlier = await customers.verdicts(request.lead_id)
            if earlier:
                await _publish(tx, earlier[-1], event.correlation_id)
                return
            await customers.lock_region(region_key(request.customer))
            await self.follower.catch_up(tx.session, tx.clock.now())
            rules = self._rules.get(request.rule_set, request.rule_version)
            outcome = await self._decide(tx, customers, request, rules, written)
            if outcome.review is not None:
                await self._open_review(tx, customers, request, outcome, event.correlation_id)
            verdict = _record(request, outcome, rules, tx.clock.now())
            customers.add_verdict(verdict)
            await _publish(tx, verdict, event.correlation_id)
        for customer in written:
            self.follower.learn(customer)

    async def _decide(
        self,
        tx: Transaction,
        customers: CustomerRepository,
        request: DedupRequested,
        rules: RuleSet,
        written: list[Customer],
    ) -> Outcome:
        identity = request.customer
        query = profile_of_request(request)
        thresholds = Thresholds(rules.dedup.duplicate_threshold, rules.dedup.possible_threshold)
        candidates = await self._resolved(customers, find_matches(self.follower.index, query, thresholds))
        candidates = await _remembered(customers, query, candidates)
        duplicate = candidates[0] if candidates and candidates[0].level is Level.DUPLICATE else None
        others = candidates[1:] if duplicate is not None else candidates
        if duplicate is not None:
            others = await _not_decided_distinct(customers, duplicate.key, others)
        account = duplicate.key if duplicate is not None else None
        claims = await customers.claims_of_account(account) if account else []
        bindings = await customers.bindings(account) if account else []
        known_slices = [c.slice for c in claims if c.slice] + [b.slice for b in bindings]
        slice_name = slice_of(rules.dedup.slice_by, identity.department, known_slices)
        ref = rules.ref

        if duplicate is not None:
            blocking = [c for c in _live(claims, request) if overlaps(c.slice, slice_name)]
            if blocking:
                until = max(c.protected_until for c in blocking)
                what = "this customer" if slice_name in (None, WHOLE_ACCOUNT) else f"this account's {slice_name}"
                return Outcome(
                    DedupOutcome.DUPLICATE,
                    claim_key(duplicate.key, slice_name),
                    "duplicate",
                    f"{what} is already protected until {until.isoformat()}",
                    _explain(duplicate, thresholds, ref),
                    matched=duplicate.key,
                    protected_until=until,
                )
        if reason := wrong_channel(rules.tiers, ref, request.estimated_amount, request.channel.value):
            return _refused("tier_channel", reason, "tiers.enforce_channel", duplicate, thresholds, ref)
        point = (query.lat, query.lon) if query.lat is not None and query.lon is not None else None
        if refusal := out_of_region(rules.territory, ref, request.partner_id, query.place, point):
            return _refused(refusal.code, refusal.reason, "territory.partner_regions", duplicate, thresholds, ref)
        if duplicate is not None and slice_name not in (None, WHOLE_ACCOUNT):
            binding = await customers.binding(duplicate.key, slice_name)
            if binding is not None and binding.partner_id != request.partner_id:
                reason = f"{slice_name} of this account is bound to another partner (slice binding, {ref})"
                return _refused("slice_bound", reason, "dedup.slice_by", duplicate, thresholds, ref)
        if point is not None and rules.territory.cross_region_radius_km is not None:
            held = await self._cross_region(customers, request, rules, point, account)
            if held is not None:
                return held
        contested = [c for c in others if await _protected_by_another(customers, c.key, request, slice_name)]
        if contested:
            return _possible(request, rules, thresholds, contested, self._settings)
        return await self._claim(tx, customers, request, rules, duplicate, slice_name, written, thresholds)

    async def _resolved(self, customers: CustomerRepository, match: Any) -> list[Candidate]:
        """Candidates under the customer each one is (aliases resolve), the best of each kept."""
        seen: dict[str, Candidate] = {}
        for candidate in match.candidates:
            key = self.follower.resolve(candidate.key)
            if key not in seen:
                seen[key] = Candidate(_renamed(candidate.profile, key), candidate.comparison, candidate.level)
        return list(seen.values())

    async def _cross_region(
        self,
        customers: CustomerRepository,
        request: DedupRequested,
        rules: RuleSet,
        point: tuple[float, float],
        account: str | None,
    ) -> Outcome | None:
        radius = rules.territory.cross_region_radius_km
        assert radius is not None
        await customers.lock_cells(list(_RADIUS_LOCK_GRID.cells_within(*point, radius)))
        nearby = [
            ProtectedNearby(claim.account_key or claim.customer_key, claim.partner_id, c.lat, c.lon)
            for claim, c in await customers.protected_near(*bounding_box(*point, radius))
            if c.lat is not None and c.lon is not None and (claim.account_key or claim.customer_key) != account
        ]
        conflict = cross_region_conflict(rules.territory, request.partner_id, point, nearby)
        if conflict is None:
            return None
        other, km = conflict
        reason = (
            f"within {km:.1f} km of a customer protected by a partner of another region; "
            f"territory.cross_region_radius_km is {radius:g} in {rules.ref}"
        )
        rule = MatchReason(field="rule", score=1.0, detail=f"territory.cross_region_radius_km {radius:g} ({rules.ref})")
        distance = MatchReason(
            field="distance", score=max(0.0, 1 - km / radius), detail=f"{km:.2f} km to {other.customer_key}"
        )
        if rules.territory.cross_region_action is CrossRegionAction.REFUSE:
            return Outcome(
                DedupOutcome.REFUSED,
                other.customer_key,
                "cross_region_radius",
                reason,
                [distance, rule],
                other.customer_key,
            )
        review = _review_input(
            request,
            rules,
            "cross_region",
            f"Registration within {km:.1f} km of another region's protected customer",
            ["refuse", "allow"],
            "refuse",
            {"nearby_customer": other.customer_key, "distance_km": round(km, 2), "rule": rule.detail},
            self._settings,
        )
        return Outcome(
            DedupOutcome.POSSIBLE,
            other.customer_key,
            "cross_region_review",
            reason + "; held for a reviewer",
            [distance, rule],
            other.customer_key,
            review=review,
            candidates=[{"key": other.customer_key, "score": 1.0}],
        )

    async def _claim(
        self,
        tx: Transaction,
        customers: CustomerRepository,
        request: DedupRequested,
        rules: RuleSet,
        duplicate: Candidate | None,
        slice_name: str | None,
        written: list[Customer],
        thresholds: Thresholds,
        *,
        code: str | None = None,
        reason: str | None = None,
    ) -> Outcome:
        now = tx.clock.now()
        if duplicate is not None:
            account = duplicate.key
            explanation = _explain(duplicate, thresholds, rules.ref)
        else:
            customer = _new_customer(request, now)
            await customers.add(customer, now)
            written.append(customer)
            account, explanation = customer.customer_key, []
        key = claim_key(account, slice_name)
        claim = await customers.claim(key)
        cooling = _cooling_off(claim, request, rules, key, explanation)
        if cooling is not None:
            return cooling
        if claim is None:
            claim = Claim(customer_key=key, account_key=account, slice=slice_name)
            customers.add_claim(claim)
        claim.lead_id, claim.partner_id, claim.status = request.lead_id, request.partner_id, "active"
        claim.protected_until = request.received_at + timedelta(days=rules.protection.period_days)
        claim.claimed_at = now
        where = "" if slice_name in (None, WHOLE_ACCOUNT) else f" ({slice_name})"
        return Outcome(
            DedupOutcome.UNIQUE,
            key,
            code or ("known_customer_unprotected" if duplicate is not None else "unique"),
            reason or f"no live registration of this customer{where}",
            explanation,
            matched=duplicate.key if duplicate is not None else None,
        )

    async def _open_review(
        self,
        tx: Transaction,
        customers: CustomerRepository,
        request: DedupRequested,
        outcome: Outcome,
        correlation_id: str,
    ) -> None:
        review = outcome.review
        assert review is not None
        workflow_id = self._settings.workflow_id(REVIEW_WORKFLOW_KIND, request.lead_id)
        customers.add_review(
            Review(
                task_id=review.task_id,
                lead_id=request.lead_id,
                kind=review.kind,
                workflow_id=workflow_id,
                request=request.model_dump(mode="json"),
                candidates=outcome.candidates,
                correlation_id=correlation_id,
                status="open",
                opened_at=tx.clock.now(),
            )
        )
        await tx.session.flush()
        # Started before the commit: a failed commit redelivers the request, and the start finds the workflow.
        await self._reviews.start_review(workflow_id, review)

    async def open_task(self, opened: TaskOpened) -> None:
        """Publish a reviewer task (the review workflow's first step); publishing it twice is harmless."""
        async with self._tx.begin() as tx:
            if await tx.first_time(CONSUMER, _event_id("opened", opened.task_id, opened.level)):
                await tx.emit(TASKS_EVENTS, opened.task_id, opened)

    async def close_task(self, closed: TaskClosed) -> None:
        async with self._tx.begin() as tx:
            if await tx.first_time(
                CONSUMER, uuid.uuid5(uuid.NAMESPACE_URL, f"closed:{closed.task_id}:{closed.outcome}")
            ):
                await tx.emit(TASKS_EVENTS, closed.task_id, closed)

    async def apply_review(self, decision: ReviewDecision) -> str:
        """Apply and remember a reviewer's decision, and answer the held registration; idempotent."""
        written: list[Customer] = []
        async with self._tx.begin() as tx:
            customers = CustomerRepository(tx.session)
            review = await customers.review(decision.task_id)
            if review is None or review.status != "open":
                return review.choice or "" if review is not None else "unknown task"
            request = DedupRequested.model_validate(review.request)
            await customers.lock_region(region_key(request.customer))
            await self.follower.catch_up(tx.session, tx.clock.now())
            rules = self._rules.get(request.rule_set, request.rule_version)
            now = tx.clock.now()
            review.status, review.choice, review.decided_by = "decided", decision.choice, decision.decided_by
            review.decision_reason, review.decided_at = decision.reason, now
            keys = [str(c["key"]) for c in review.candidates]
            if decision.choice in ("duplicate", "refuse"):
                outcome = await self._upheld(customers, request, review, keys, decision, now, written)
            else:
                outcome = await self._overruled(tx, customers, request, rules, review, keys, decision, now, written)
            outcome.explanation.append(
                MatchReason(
                    field="review",
                    score=1.0,
                    detail=f"{decision.decided_by} decided {decision.choice!r}: {decision.reason}",
                )
            )
            verdict = _record(request, outcome, rules, now, review_task_id=review.task_id)
            customers.add_verdict(verdict)
            await _publish(tx, verdict, review.correlation_id)
        for customer in written:
            self.follower.learn(customer)
        return decision.choice

    async def _upheld(
        self,
        customers: CustomerRepository,
        request: DedupRequested,
        review: Review,
        keys: list[str],
        decision: ReviewDecision,
        now: datetime,
        written: list[Customer],
    ) -> Outcome:
        target = keys[0]
        if review.kind == "possible_duplicate":
            alias = _new_customer(request, now, merged_into=target)
            if not (alias.uscc and await customers.by_uscc(alias.uscc)):
                await customers.add(alias, now)
                written.append(alias)
                customers.add_decision(
                    PairDecision(
                        customer_key=alias.customer_key,
                        other_key=target,
                        relation="same",
                        task_id=review.task_id,
                        decided_by=decision.decided_by,
                        decided_at=now,
                    )
                )
        claims = [
            c
            for c in await customers.claims_of_account(target)
            if c.status == "active" and c.lead_id != request.lead_id
        ]
        until = max((c.protected_until for c in claims), default=None)
        if review.kind == "cross_region":
            return Outcome(
                DedupOutcome.REFUSED,
                target,
                "cross_region_radius",
                "a reviewer upheld the cross-region radius rule",
                matched=target,
            )
        return Outcome(
            DedupOutcome.DUPLICATE,
            target,
            "duplicate",
            "a reviewer found this is a customer already protected" + (f" until {until.isoformat()}" if until else ""),
            matched=target,
            protected_until=until,
        )

    async def _overruled(
        self,
        tx: Transaction,
        customers: CustomerRepository,
        request: DedupRequested,
        rules: RuleSet,
        review: Review,
        keys: list[str],
        decision: ReviewDecision,
        now: datetime,
        written: list[Customer],
    ) -> Outcome:
        thresholds = Thresholds(rules.dedup.duplicate_threshold, rules.dedup.possible_threshold)
        slice_name = slice_of(rules.dedup.slice_by, request.customer.department)
        outcome = await self._claim(
            tx,
            customers,
            request,
            rules,
            None,
            slice_name,
            written,
            thresholds,
            code="reviewed_distinct" if review.kind == "possible_duplicate" else "reviewed_allowed",
            reason=f"a reviewer decided this is not the customer(s) {', '.join(keys)}",
        )
        if review.kind == "possible_duplicate":
            for key in keys:
                customers.add_decision(
                    PairDecision(
                        customer_key=written[-1].customer_key,
                        other_key=key,
                        relation="distinct",
                        task_id=review.task_id,
                        decided_by=decision.decided_by,
                        decided_at=now,
                    )
                )
        return outcome

    async def lock_changed(self, event: Envelope[Any]) -> None:
        """Keep claims in step with the locks: expiry and release free the customer for others."""
        change: LockChanged = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            claim = await CustomerRepository(tx.session).claim(change.customer_key)
            if claim is None:
                return
            if change.change is LockChange.TRANSFERRED:
                claim.lead_id, claim.partner_id, claim.status = change.lead_id, change.partner_id, "active"
                claim.protected_until = change.expires_at
                return
            if claim.lead_id != change.lead_id:
                return
            if change.change in (LockChange.EXPIRED, LockChange.RELEASED):
                claim.status = "released"
                # A released claim keeps when its protection really ended: the cooling-off counts from it.
                claim.protected_until = min(claim.protected_until, change.at)
            elif change.change in (LockChange.GRANTED, LockChange.EXTENDED):
                claim.protected_until = change.expires_at
            elif change.change is LockChange.COMPLETED:
                claim.status = "completed"


def profile_of_request(request: DedupRequested) -> Profile:
    return profile(record_of(f"lead-{request.lead_id}", request.customer))


def _renamed(found: Profile, key: str) -> Profile:
    return found if found.key == key else replace(found, key=key)


def _cooling_off(
    claim: Claim | None, request: DedupRequested, rules: RuleSet, key: str, explanation: list[MatchReason]
) -> Outcome | None:
    """The same partner locking again a customer it released (withdrawn or expired) too recently."""
    if claim is None or claim.status != "released" or claim.partner_id != request.partner_id:
        return None
    days = rules.limits.cooling_off_days
    until = claim.protected_until + timedelta(days=days)
    if request.received_at >= until:
        return None
    found = refusal(
        "cooling_off",
        rules.ref,
        "cooling_off_days",
        days,
        f"your protection of this customer ended on {claim.protected_until:%Y-%m-%d}; "
        f"you may register it again from {until:%Y-%m-%d}",
    )
    rule = MatchReason(field="rule", score=1.0, detail=found.rule)
    return Outcome(DedupOutcome.REFUSED, key, found.reason_code, found.reason, [*explanation, rule])


def _live(claims: list[Claim], request: DedupRequested) -> list[Claim]:
    return [c for c in claims if c.status == "active" and c.lead_id != request.lead_id]


async def _protected_by_another(
    customers: CustomerRepository, key: str, request: DedupRequested, slice_name: str | None
) -> bool:
    return any(overlaps(c.slice, slice_name) for c in _live(await customers.claims_of_account(key), request))


async def _not_decided_distinct(customers: CustomerRepository, key: str, others: list[Candidate]) -> list[Candidate]:
    decisions = await customers.decisions_about([key])
    distinct = {d.other_key if d.customer_key == key else d.customer_key for d in decisions if d.relation == "distinct"}
    return [c for c in others if c.key not in distinct and c.key != key]


async def _remembered(customers: CustomerRepository, query: Profile, candidates: list[Candidate]) -> list[Candidate]:
    """A customer written exactly as one a reviewer already decided about is that customer: not asked again."""
    for position, candidate in enumerate(candidates):
        if candidate.level is Level.DUPLICATE or not _written_alike(query, candidate.profile):
            continue
        if await customers.decisions_about([candidate.key]):
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


def _explain(candidate: Candidate, thresholds: Thresholds, rule_ref: str) -> list[MatchReason]:
    reasons = [
        MatchReason(field=e.field, score=max(0.0, min(1.0, e.similarity)), detail=f"{e.detail} (weight {e.weight:+g})")
        for e in candidate.evidence()
    ]
    reasons.append(
        MatchReason(
            field="rule", score=round(candidate.score, 4), detail=f"{candidate.decided_by(thresholds)} ({rule_ref})"
        )
    )
    return reasons


def _refused(
    code: str, reason: str, rule: str, duplicate: Candidate | None, thresholds: Thresholds, rule_ref: str
) -> Outcome:
    explanation = _explain(duplicate, thresholds, rule_ref) if duplicate is not None else []
    explanation.append(MatchReason(field="rule", score=1.0, detail=f"{rule} ({rule_ref})"))
    key = duplicate.key if duplicate is not None else "unmatched"
    return Outcome(DedupOutcome.REFUSED, key, code, reason, explanation, matched=duplicate.key if duplicate else None)


def _possible(
    request: DedupRequested,
    rules: RuleSet,
    thresholds: Thresholds,
    contested: list[Candidate],
    settings: ServiceSettings,
) -> Outcome:
    best = contested[0]
    details = {
        "incoming": request.customer.model_dump(mode="json", exclude_none=True),
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
    review = _review_input(
        request,
        rules,
        "possible_duplicate",
        f"Possible duplicate: {request.customer.name}",
        ["duplicate", "distinct"],
        "duplicate",
        details,
        settings,
    )
    return Outcome(
        DedupOutcome.POSSIBLE,
        best.key,
        "possible_duplicate",
        "this may be a customer already protected; a reviewer will decide",
        _explain(best, thresholds, rules.ref),
        matched=best.key,
        review=review,
        candidates=[{"key": c.key, "score": round(c.score, 4)} for c in contested],
    )


def _review_input(
    request: DedupRequested,
    rules: RuleSet,
    kind: str,
    title: str,
    choices: list[str],
    default_choice: str,
    details: dict[str, Any],
    settings: ServiceSettings,
) -> ReviewInput:
    return ReviewInput(
        task_id=f"dup-{request.lead_id}",
        lead_id=request.lead_id,
        kind=kind,
        title=title,
        choices=choices,
        default_choice=default_choice,
        details={**details, "lead_id": str(request.lead_id), "rule_set": rules.ref, "kind": TaskKind.DUPLICATE_REVIEW},
        region=region_key(request.customer),
        subject_party_ids=[request.partner_id],
        deadline_hours=rules.dedup.review_deadline_hours,
        escalation_hours=rules.dedup.escalation_deadline_hours,
    )


def _new_customer(request: DedupRequested, now: datetime, *, merged_into: str | None = None) -> Customer:
    identity = request.customer
    location = identity.location
    return Customer(
        customer_key=f"cust-{uuid4()}",
        name=identity.name,
        name_key=name_key(identity.name),
        uscc=None if merged_into else identity.uscc,
        phone=phone_key(identity.phone),
        region=region_key(identity),
        identity=identity.model_dump(mode="json"),
        created_at=now,
        lat=location.lat if location else None,
        lon=location.lon if location else None,
        merged_into=merged_into,
        tags={"industry": identity.industry, "size": identity.size},
    )


def _record(
    request: DedupRequested, outcome: Outcome, rules: RuleSet, now: datetime, *, review_task_id: str | None = None
) -> VerdictRecord:
    tier = tier_for(rules.tiers, request.estimated_amount)
    return VerdictRecord(
        lead_id=request.lead_id,
        partner_id=request.partner_id,
        outcome=outcome.outcome.value,
        customer_key=outcome.customer_key,
        matched_customer_key=outcome.matched,
        reason_code=outcome.code,
        reason=outcome.reason,
        explanation=[r.model_dump() for r in outcome.explanation],
        rule_set=request.rule_set,
        rule_version=request.rule_version,
        decided_at=now,
        protected_until=outcome.protected_until,
        tier=tier.name if tier else None,
        review_task_id=review_task_id or (outcome.review.task_id if outcome.review else None),
    )


async def _publish(tx: Transaction, verdict: VerdictRecord, correlation_id: str) -> None:
    await tx.emit(
        DEDUP_VERDICTS,
        str(verdict.lead_id),
        DedupVerdict(
            lead_id=verdict.lead_id,
            outcome=DedupOutcome(verdict.outcome),
            customer_key=verdict.customer_key,
            matched_customer_key=verdict.matched_customer_key,
            protected_until=verdict.protected_until,
            reason_code=verdict.reason_code,
            reason=verdict.reason,
            explanation=[MatchReason.model_validate(r) for r in verdict.explanation],
            rule_set=verdict.rule_set,
            rule_version=verdict.rule_version,
            tier=verdict.tier,
            review_task_id=verdict.review_task_id,
        ),
        correlation_id=correlation_id,
    )


def _event_id(*parts: object) -> uuid.UUID:
    """A stable id for an event the review workflow may ask for twice (an activity retried)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, ":".join(str(p) for p in parts))
