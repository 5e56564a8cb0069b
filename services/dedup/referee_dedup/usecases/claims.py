"""Deciding each claim on a customer, in log order per region: load what the rules look at, let
``domain.decision`` decide, then write the claim, hold it for a reviewer, and publish the verdict."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from referee_shared.events.checks import DedupRequested
from referee_shared.events.envelope import Envelope
from referee_shared.outbox import Transaction, Transactions
from referee_shared.regions import region_key
from referee_shared.rules.rulebook import RuleBook
from referee_shared.rules.ruleset import RuleSet

from ..domain.claims import Binding, ClaimRequest, Known, Protection, ReviewedPair
from ..domain.decision import decide
from ..domain.geo import Grid, bounding_box
from ..domain.matching import Candidate, Thresholds, find_matches
from ..domain.profile import Profile, profile
from ..domain.territory import ProtectedNearby
from ..index_sync import IndexFollower, record_of
from ..store import Customer, CustomerRepository
from .records import CONSUMER, new_customer_key, publish, record, take_claim
from .reviews import Reviews

_RADIUS_LOCK_GRID = Grid(0.5)


class Claims:
    def __init__(self, transactions: Transactions, rules: RuleBook, reviews: Reviews, follower: IndexFollower) -> None:
        self._tx = transactions
        self._rules = rules
        self._reviews = reviews
        self._follower = follower

    async def check(self, event: Envelope[DedupRequested]) -> None:
        """Decide a claim: duplicate of a protected customer, refused by a rule, held for review, or the first."""
        request = event.payload
        written: list[Customer] = []
        async with self._tx.begin() as tx:
            fresh = await tx.first_time(CONSUMER, event.event_id)
            held = await self._decide(tx, event, written) if fresh else True
        # A held claim's review workflow starts after the commit; a redelivery starts it if it was not.
        if held:
            await self._reviews.start(request.lead_id)
        for customer in written:
            self._follower.learn(customer)

    async def _decide(self, tx: Transaction, event: Envelope[DedupRequested], written: list[Customer]) -> bool:
        """Decide the claim in the caller's transaction; True when it was held for a reviewer."""
        request = event.payload
        customers = CustomerRepository(tx.session)
        earlier = await customers.verdicts(request.lead_id)
        if earlier:
            await publish(tx, earlier[-1], event.correlation_id)
            return False
        await customers.lock_region(region_key(request.customer))
        await self._follower.catch_up(tx.session, tx.clock.now())
        rules = self._rules.get(request.rule_set, request.rule_version)
        claim = _claim_request(request)
        decision = decide(claim, await self._known(customers, claim, rules), rules)
        now = tx.clock.now()
        if decision.claim is not None:
            await take_claim(customers, request, rules, decision.claim, now, written)
        task_id = None
        if decision.review is not None:
            opened = await self._reviews.open(tx, customers, request, rules, decision.review, event.correlation_id)
            task_id = opened.task_id
        verdict = record(request, decision, rules, now, review_task_id=task_id)
        customers.add_verdict(verdict)
        await publish(tx, verdict, event.correlation_id)
        return task_id is not None

    async def _known(self, customers: CustomerRepository, request: ClaimRequest, rules: RuleSet) -> Known:
        """Every fact the rules may look at: the candidates, their accounts' claims and bindings, what
        reviewers said about them and, when the radius rule applies, the protected customers around."""
        thresholds = Thresholds(rules.dedup.duplicate_threshold, rules.dedup.possible_threshold)
        match = find_matches(self._follower.index, request.customer, thresholds)
        candidates = self._resolved(match.candidates)
        related = self._resolved(match.related)
        keys = [c.key for c in (*candidates, *related)]
        return Known(
            candidates=candidates,
            related=related,
            claims=[
                Protection(
                    c.account_key or c.customer_key,
                    c.slice,
                    c.lead_id,
                    c.partner_id,
                    c.status == "active",
                    c.protected_until,
                )
                for c in await customers.claims_of_accounts(keys)
            ],
            bindings=[Binding(b.customer_key, b.slice, b.partner_id) for b in await customers.bindings_of(keys)],
            pair_decisions=[
                ReviewedPair(d.customer_key, d.other_key, d.relation) for d in await customers.decisions_about(keys)
            ],
            nearby=await _protected_nearby(customers, request, rules),
        )

    def _resolved(self, found: Sequence[Candidate]) -> list[Candidate]:
        """Candidates under the customer each one is (aliases resolve), the best of each kept."""
        seen: dict[str, Candidate] = {}
        for candidate in found:
            key = self._follower.resolve(candidate.key)
            if key not in seen:
                seen[key] = Candidate(_renamed(candidate.profile, key), candidate.comparison, candidate.level)
        return list(seen.values())


async def _protected_nearby(
    customers: CustomerRepository, request: ClaimRequest, rules: RuleSet
) -> list[ProtectedNearby]:
    point, radius = request.point, rules.territory.cross_region_radius_km
    if point is None or radius is None:
        return []
    await customers.lock_cells(list(_RADIUS_LOCK_GRID.cells_within(*point, radius)))
    return [
        ProtectedNearby(claim.account_key or claim.customer_key, claim.partner_id, c.lat, c.lon)
        for claim, c in await customers.protected_near(*bounding_box(*point, radius))
        if c.lat is not None and c.lon is not None
    ]


def _claim_request(request: DedupRequested) -> ClaimRequest:
    identity = request.customer
    return ClaimRequest(
        lead_id=request.lead_id,
        partner_id=request.partner_id,
        channel=request.channel.value,
        amount=request.estimated_amount,
        name=identity.name,
        department=identity.department,
        customer=profile_of_request(request),
        written=identity.model_dump(mode="json", exclude_none=True),
        new_customer_key=new_customer_key(),
        received_at=request.received_at,
    )


def profile_of_request(request: DedupRequested) -> Profile:
    return profile(record_of(f"lead-{request.lead_id}", request.customer))


def _renamed(found: Profile, key: str) -> Profile:
    return found if found.key == key else replace(found, key=key)
