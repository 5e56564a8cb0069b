"""A replay of history through the services' pure decision functions, in memory: the qualification gate
(qualification's ``gate``), dedup's claim decision (``decide`` over an in-memory customer index, claims
and protected customers nearby), the protection period and follow-up extensions (registration's
``follow_up_expiry``), expiry, and the split of each won deal (settlement's ``split_deal``).

Nothing here touches a database, a broker or Temporal: a replay is a function of the history and the
rule book it is given, so the same inputs give the same outcomes.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from referee_dedup.domain.claims import ClaimRequest, Decision, Known, Protection, Verdict
from referee_dedup.domain.decision import decide
from referee_dedup.domain.geo import Grid, distance_km
from referee_dedup.domain.index import CustomerIndex
from referee_dedup.domain.matching import Thresholds, find_matches
from referee_dedup.domain.profile import Profile, profile
from referee_dedup.domain.slices import claim_key
from referee_dedup.domain.territory import ProtectedNearby
from referee_dedup.index_sync import record_of
from referee_qualification.domain.gating import HeldQualification, gate
from referee_settlement.domain.credit import DealTerms, Helper, Party, SettlementError
from referee_settlement.domain.split import split_deal
from referee_shared.events.common import Channel
from referee_shared.events.deals import DealClosed, DealOutcome
from referee_shared.events.leads import LeadActivity, LeadSubmitted
from referee_shared.events.qualifications import QualificationChange, QualificationChanged
from referee_shared.regions import region_key
from referee_shared.rules.rulebook import RuleBook, RuleError
from referee_shared.rules.ruleset import RuleSet

from ..domain.protection import follow_up_expiry
from .history import SHANGHAI, History

_NEARBY_GRID = Grid(0.5)
PROGRESS_EVERY = 500
Progress = Callable[[int], None]
"""Told how many more events were replayed (every PROGRESS_EVERY events)."""
_QUALIFICATION_STATUS = {
    QualificationChange.APPROVED: "approved",
    QualificationChange.REJECTED: "rejected",
    QualificationChange.EXPIRED: "expired",
    QualificationChange.REVOKED: "revoked",
}


@dataclass
class LockOutcome:
    """A lock the replay granted: its account (or slice), when it started, and how it ended."""

    customer_key: str
    starts_at: datetime
    expires_at: datetime
    ended: str = "active"  # active, expired, won, lost
    ended_at: datetime | None = None
    follow_ups: int = 0  # follow-ups that pushed its expiry


@dataclass
class LeadOutcome:
    """The replay's decision on one registration, with its explanation as the partner would read it."""

    lead_id: UUID
    partner_id: str
    channel: str
    product_line: str
    region: str
    customer_name: str
    received_at: datetime
    rule_ref: str
    outcome: str  # accepted, rejected, held
    reason_code: str
    reason: str
    explanation: tuple[str, ...] = ()
    customer_key: str | None = None
    protected_until: datetime | None = None
    lock: LockOutcome | None = None
    followed_up: bool = False


@dataclass
class DealOutcomeOf:
    """A closed deal as the replay settled it: each party's amount, or why it was not settled."""

    deal_id: str
    lead_id: UUID
    outcome: str
    amount: Decimal
    closed_at: datetime
    rule_ref: str | None
    shares: dict[str, Decimal] = field(default_factory=dict)
    not_settled: str | None = None


@dataclass
class Replay:
    leads: dict[UUID, LeadOutcome] = field(default_factory=dict)
    deals: dict[str, DealOutcomeOf] = field(default_factory=dict)


@dataclass
class _Claim:
    account: str
    slice: str | None
    lead_id: UUID
    partner_id: str
    lat: float | None
    lon: float | None
    lock: LockOutcome

    @property
    def active(self) -> bool:
        return self.lock.ended == "active"

    def protection(self) -> Protection:
        return Protection(self.account, self.slice, self.lead_id, self.partner_id, self.active, self.lock.expires_at)


class Sandbox:
    """One replay's world: the customers it learnt, the claims it holds, the partners' qualifications."""

    def __init__(self, book: RuleBook, profiles: dict[UUID, Profile] | None = None) -> None:
        self._book = book
        self._profiles = {} if profiles is None else profiles  # normalised customers, shared by replays of one history
        self._index = CustomerIndex()
        self._claims: dict[str, list[_Claim]] = {}  # account -> claims on it (or its slices)
        self._by_lead: dict[UUID, _Claim] = {}
        self._expiries: list[tuple[datetime, str, UUID]] = []  # (expires_at, lead id text, lead id), lazily updated
        self._nearby: dict[int, list[_Claim]] = {}
        self._held: dict[str, dict[UUID, HeldQualification]] = {}
        self.replay = Replay()

    def run(self, history: History, until: datetime, progress: Progress | None = None) -> Replay:
        for done, event in enumerate(history.in_order(), start=1):
            if event.at > until:
                break
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(PROGRESS_EVERY)
            self._expire(event.at)
            payload = event.payload
            if isinstance(payload, LeadSubmitted):
                self._submitted(payload, event.at)
            elif isinstance(payload, LeadActivity):
                self._activity(payload, event.at)
            elif isinstance(payload, DealClosed):
                self._deal(payload)
            else:
                self._qualification(payload)
        self._expire(until)
        return self.replay

    # --- registrations ---------------------------------------------------------------------------

    def _submitted(self, lead: LeadSubmitted, at: datetime) -> None:
        if lead.lead_id in self.replay.leads:
            return  # the first submission of a lead id stands
        try:
            rules = self._book.for_product_line(lead.product_line, at)
        except RuleError as exc:
            self._record(lead, at, "none@0", "rejected", "unknown_product_line", str(exc))
            return
        required = rules.qualification.required.get(lead.product_line)
        today = at.astimezone(SHANGHAI).date()
        held = sorted(self._held.get(lead.partner_id, {}).values(), key=lambda q: q.valid_from, reverse=True)
        verdict = gate(lead.product_line, required, held, today, region_key(lead.customer), rule=rules.ref)
        if not verdict.qualified:
            self._record(lead, at, rules.ref, "rejected", verdict.reason_code, verdict.reason)
            return
        request = _claim_request(lead, at, self._profile(lead))
        decision = decide(request, self._known(request, rules), rules)
        self._decided(lead, at, rules, request, decision)

    def _profile(self, lead: LeadSubmitted) -> Profile:
        found = self._profiles.get(lead.lead_id)
        if found is None:
            found = self._profiles[lead.lead_id] = profile(record_of(f"lead-{lead.lead_id}", lead.customer))
        return found

    def _known(self, request: ClaimRequest, rules: RuleSet) -> Known:
        thresholds = Thresholds(rules.dedup.duplicate_threshold, rules.dedup.possible_threshold)
        match = find_matches(self._index, request.customer, thresholds)
        keys = {c.key for c in (*match.candidates, *match.related)}
        return Known(
            candidates=match.candidates,
            related=match.related,
            claims=[c.protection() for key in sorted(keys) for c in self._claims.get(key, ())],
            nearby=self._protected_near(request, rules),
        )

    def _protected_near(self, request: ClaimRequest, rules: RuleSet) -> list[ProtectedNearby]:
        point, radius = request.point, rules.territory.cross_region_radius_km
        if point is None or radius is None:
            return []
        found = []
        for cell in _NEARBY_GRID.cells_within(*point, radius):
            for claim in self._nearby.get(cell, ()):
                if not claim.active or claim.lat is None or claim.lon is None:
                    continue
                if distance_km(*point, claim.lat, claim.lon) <= radius:
                    found.append(ProtectedNearby(claim.account, claim.partner_id, claim.lat, claim.lon))
        return found

    def _decided(
        self, lead: LeadSubmitted, at: datetime, rules: RuleSet, request: ClaimRequest, decision: Decision
    ) -> None:
        explanation = tuple(f"{r.field} {r.score:.2f}: {r.detail}" for r in decision.explanation)
        if decision.verdict is Verdict.UNIQUE and decision.claim is not None:
            target = decision.claim
            if target.new:
                self._index.add(replace(request.customer, key=target.account))
            expires = at + timedelta(days=rules.protection.period_days)
            key = claim_key(target.account, target.slice)
            lock = LockOutcome(key, at, expires)
            point = request.point
            lat, lon = point if point is not None else (None, None)
            claim = _Claim(target.account, target.slice, lead.lead_id, lead.partner_id, lat, lon, lock)
            self._claims.setdefault(target.account, []).append(claim)
            self._by_lead[lead.lead_id] = claim
            heapq.heappush(self._expiries, (expires, str(lead.lead_id), lead.lead_id))
            if point is not None:
                self._nearby.setdefault(_NEARBY_GRID.cell(*point), []).append(claim)
            reason = f"first valid registration of this customer; protected for {rules.protection.period_days} days"
            outcome = self._record(lead, at, rules.ref, "accepted", "first_valid_claim", reason, explanation, key)
            outcome.lock = lock
            return
        if decision.verdict is Verdict.POSSIBLE:
            self._record(
                lead, at, rules.ref, "held", decision.code, decision.reason, explanation, decision.customer_key
            )
            return
        code = "duplicate" if decision.verdict is Verdict.DUPLICATE else decision.code
        outcome = self._record(
            lead, at, rules.ref, "rejected", code, decision.reason, explanation, decision.customer_key
        )
        outcome.protected_until = decision.protected_until

    def _record(
        self,
        lead: LeadSubmitted,
        at: datetime,
        rule_ref: str,
        outcome: str,
        code: str,
        reason: str,
        explanation: tuple[str, ...] = (),
        customer_key: str | None = None,
    ) -> LeadOutcome:
        recorded = LeadOutcome(
            lead_id=lead.lead_id,
            partner_id=lead.partner_id,
            channel=lead.channel.value,
            product_line=lead.product_line,
            region=region_key(lead.customer),
            customer_name=lead.customer.name,
            received_at=at,
            rule_ref=rule_ref,
            outcome=outcome,
            reason_code=code,
            reason=reason,
            explanation=explanation,
            customer_key=customer_key,
        )
        self.replay.leads[lead.lead_id] = recorded
        return recorded

    # --- protection ------------------------------------------------------------------------------

    def _expire(self, now: datetime) -> None:
        while self._expiries and self._expiries[0][0] <= now:
            expires, _, lead_id = heapq.heappop(self._expiries)
            claim = self._by_lead[lead_id]
            if claim.active and claim.lock.expires_at == expires:
                claim.lock.ended, claim.lock.ended_at = "expired", expires

    def _activity(self, activity: LeadActivity, at: datetime) -> None:
        outcome = self.replay.leads.get(activity.lead_id)
        if outcome is None or outcome.partner_id != activity.partner_id:
            return
        outcome.followed_up = True
        claim = self._by_lead.get(activity.lead_id)
        if claim is None or not claim.active:
            return
        rules = self._rules_of(outcome)
        if rules is None:
            return
        later = _follow_up(rules, activity.kind.value, at, claim.lock)
        if later is not None:
            claim.lock.expires_at = later
            claim.lock.follow_ups += 1
            heapq.heappush(self._expiries, (later, str(activity.lead_id), activity.lead_id))

    def _rules_of(self, outcome: LeadOutcome) -> RuleSet | None:
        rule_set, _, version = outcome.rule_ref.partition("@")
        try:
            return self._book.get(rule_set, int(version))
        except (RuleError, ValueError):
            return None

    # --- deals and qualifications ---------------------------------------------------------------

    def _deal(self, deal: DealClosed) -> None:
        outcome = self.replay.leads.get(deal.lead_id)
        claim = self._by_lead.get(deal.lead_id)
        settled = DealOutcomeOf(deal.deal_id, deal.lead_id, deal.outcome.value, deal.amount, deal.closed_at, None)
        self.replay.deals.setdefault(deal.deal_id, settled)
        if claim is not None and claim.active:
            claim.lock.ended = "won" if deal.outcome is DealOutcome.WON else "lost"
            claim.lock.ended_at = deal.closed_at
        if deal.outcome is not DealOutcome.WON:
            settled.not_settled = "lost"
            return
        if outcome is None or outcome.outcome != "accepted":
            settled.not_settled = "no_accepted_registration"
            return
        try:
            rules = self._book.for_product_line(deal.product_line or outcome.product_line, deal.closed_at)
            settled.rule_ref = rules.ref
            helpers = tuple(Helper(Party(c.party_id, c.channel), c.ratio) for c in deal.contributors)
            terms = DealTerms(deal.deal_id, deal.amount, Party(outcome.partner_id, Channel(outcome.channel)), helpers)
            split = split_deal(terms, rules.settlement, rules.tiers)
        except (RuleError, SettlementError) as exc:
            settled.not_settled = f"refused: {exc}"
            return
        for share in split.shares:
            settled.shares[share.party.party_id] = settled.shares.get(share.party.party_id, Decimal(0)) + share.amount

    def _qualification(self, change: QualificationChanged) -> None:
        status = _QUALIFICATION_STATUS.get(change.change)
        if status is None:
            return
        self._held.setdefault(change.partner_id, {})[change.submission_id] = HeldQualification(
            name=change.qualification,
            product_line=change.product_line,
            status=status,
            valid_from=change.valid_from,
            valid_to=change.valid_to,
            certificate_number=change.certificate_number,
            status_reason=change.reason,
        )


def replay(
    history: History,
    book: RuleBook,
    until: datetime,
    progress: Progress | None = None,
    profiles: dict[UUID, Profile] | None = None,
) -> Replay:
    """Every registration, lock and won deal of ``history`` decided under ``book``, in memory; ``profiles``
    keeps each customer's normalisation for another replay of the same history (it does not depend on rules)."""
    return Sandbox(book, profiles).run(history, until, progress)


def _follow_up(rules: RuleSet, kind: str, at: datetime, lock: LockOutcome) -> datetime | None:
    return follow_up_expiry(
        rules.protection.follow_up, kind=kind, at=at, starts_at=lock.starts_at, expires_at=lock.expires_at
    )


def _claim_request(lead: LeadSubmitted, at: datetime, customer: Profile) -> ClaimRequest:
    identity = lead.customer
    return ClaimRequest(
        lead_id=lead.lead_id,
        partner_id=lead.partner_id,
        channel=lead.channel.value,
        amount=lead.estimated_amount,
        name=identity.name,
        department=identity.department,
        customer=customer,
        written=identity.model_dump(mode="json", exclude_none=True),
        new_customer_key=f"cust-{lead.lead_id}",  # the sandbox's own, stable key (the live one is random)
        received_at=at,
    )
