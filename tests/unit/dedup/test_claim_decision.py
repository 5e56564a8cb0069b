"""The order in which dedup's rules decide a claim, over facts given in memory: no database, no broker.

Long because it is the table of the rules' precedence: each rule alone, then the pairs of rules that could both apply.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from referee_dedup.domain.claims import (
    Binding,
    ClaimOf,
    ClaimRequest,
    Decision,
    Known,
    Protection,
    ReviewedPair,
    Verdict,
)
from referee_dedup.domain.decision import decide
from referee_dedup.domain.matching import Candidate, Level
from referee_dedup.domain.profile import CustomerRecord, Profile, profile
from referee_dedup.domain.scoring import Comparison, Evidence
from referee_dedup.domain.territory import ProtectedNearby
from referee_shared.rules.dedup import DedupRules, SliceBy
from referee_shared.rules.ruleset import RuleSet
from referee_shared.rules.territory import CrossRegionAction, TerritoryRules
from referee_shared.rules.tiers import Tier, TierRules

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOSPITAL = "浙江大学医学院附属第一医院"
XIAOSHAN = (30.17, 120.27)  # Hangzhou, near the border with Shaoxing
KEQIAO = (30.08, 120.45)  # Shaoxing, about 20 km from XIAOSHAN
SHANGYU = (30.03, 120.87)  # Shaoxing, about 60 km from XIAOSHAN


def rules(
    *,
    slice_by: SliceBy = SliceBy.NONE,
    radius_km: float | None = 30,
    action: CrossRegionAction = CrossRegionAction.REFUSE,
    tiers: list[Tier] | None = None,
) -> RuleSet:
    return RuleSet(
        id="test-rules",
        version=3,
        effective_from=NOW - timedelta(days=365),
        title="rules under test",
        product_lines=["tiles"],
        territory=TerritoryRules(
            enforce_partner_regions=True,
            partner_regions={
                "dealer-hangzhou": ["浙江省/杭州市"],
                "dealer-hangzhou-2": ["浙江省/杭州市"],
                "dealer-shaoxing": ["浙江省/绍兴市"],
            },
            cross_region_radius_km=radius_km,
            cross_region_action=action,
        ),
        dedup=DedupRules(slice_by=slice_by),
        tiers=TierRules(tiers=tiers or [], enforce_channel=tiers is not None),
    )


def written(
    key: str, name: str = "杭州滨江建设有限公司", *, city: str = "杭州市", point: tuple[float, float] | None = None
) -> Profile:
    lat, lon = point if point is not None else (None, None)
    return profile(CustomerRecord(key=key, name=name, province="浙江省", city=city, lat=lat, lon=lon))


def request(
    partner: str = "dealer-hangzhou",
    customer: Profile | None = None,
    *,
    department: str | None = None,
    channel: str = "dealer",
    amount: str = "100000",
    lead_id: UUID | None = None,
) -> ClaimRequest:
    who = customer or written("lead-incoming")
    return ClaimRequest(
        lead_id=lead_id or uuid4(),
        partner_id=partner,
        channel=channel,
        amount=Decimal(amount),
        name=who.name,
        department=department,
        customer=who,
        written={"name": who.name, "province": "浙江省"},
        new_customer_key="cust-new",
    )


def match(found: Profile, level: Level, score: float) -> Candidate:
    evidence = (Evidence("name", 1.0, 5.0, "same core 滨江建设"), Evidence("phone", 1.0, 5.0, "same phone"))
    return Candidate(found, Comparison(score, evidence), level)


def held(account: str, *, slice: str | None = None, partner: str = "dealer-hangzhou", days: int = 60) -> Protection:
    return Protection(account, slice, uuid4(), partner, active=True, protected_until=NOW + timedelta(days=days))


def nearby(account: str, partner: str, point: tuple[float, float]) -> ProtectedNearby:
    return ProtectedNearby(account, partner, *point)


KNOWN = written("cust-known")
DUPLICATE = match(KNOWN, Level.DUPLICATE, 0.99)


def rule_details(decision: Decision) -> list[str]:
    return [r.detail for r in decision.explanation if r.field == "rule"]


def test_first_claim_on_an_unknown_customer_is_unique_and_creates_the_customer() -> None:
    decision = decide(request(), Known(candidates=[]), rules())

    assert decision.verdict is Verdict.UNIQUE
    assert (decision.customer_key, decision.code, decision.matched) == ("cust-new", "unique", None)
    assert decision.claim == ClaimOf("cust-new", None, new=True)
    assert decision.explanation == ()


def test_claim_on_a_customer_protected_by_another_lead_is_a_duplicate_until_its_latest_protection() -> None:
    claims = [held("cust-known", days=10), held("cust-known", days=80)]

    decision = decide(request(), Known([DUPLICATE], claims=claims), rules())

    assert decision.verdict is Verdict.DUPLICATE
    assert (decision.customer_key, decision.matched, decision.code) == ("cust-known", "cust-known", "duplicate")
    assert decision.protected_until == NOW + timedelta(days=80)
    assert decision.claim is None
    assert "duplicate_threshold 0.92" in rule_details(decision)[0]
    assert "test-rules@3" in rule_details(decision)[0]
    assert {r.field for r in decision.explanation} == {"name", "phone", "rule"}


def test_known_customer_whose_protection_ended_is_claimed_again() -> None:
    released = Protection("cust-known", None, uuid4(), "dealer-hangzhou-2", active=False, protected_until=NOW)

    decision = decide(request(), Known([DUPLICATE], claims=[released]), rules())

    assert decision.verdict is Verdict.UNIQUE
    assert decision.code == "known_customer_unprotected"
    assert decision.claim == ClaimOf("cust-known", None, new=False)
    assert decision.matched == "cust-known"


def test_the_same_lead_asked_again_is_not_its_own_duplicate() -> None:
    lead = uuid4()
    own = Protection("cust-known", None, lead, "dealer-hangzhou", active=True, protected_until=NOW)

    decision = decide(request(lead_id=lead), Known([DUPLICATE], claims=[own]), rules())

    assert decision.verdict is Verdict.UNIQUE


def test_claim_outside_partner_regions_is_refused_with_the_territory_rule() -> None:
    decision = decide(request("dealer-shaoxing"), Known([]), rules())

    assert decision.verdict is Verdict.REFUSED
    assert (decision.code, decision.customer_key, decision.matched) == ("out_of_region", "unmatched", None)
    assert "浙江省/绍兴市" in decision.reason
    assert rule_details(decision) == ["territory.partner_regions (test-rules@3)"]


def test_partner_missing_from_the_regions_may_register_anywhere_by_default() -> None:
    assert decide(request("dealer-elsewhere"), Known([]), rules()).verdict is Verdict.UNIQUE


def test_opportunity_in_another_channels_tier_is_refused_with_the_tier_rule() -> None:
    tiers = [
        Tier(name="small", max_amount=Decimal(1_000_000)),
        Tier(name="key-account", min_amount=Decimal(1_000_000), channel="direct"),
    ]

    wrong = decide(request(channel="agent", amount="1200000"), Known([]), rules(tiers=tiers))
    right = decide(request(channel="direct", amount="1200000"), Known([]), rules(tiers=tiers))
    small = decide(request(channel="agent", amount="300000"), Known([]), rules(tiers=tiers))

    assert (wrong.verdict, wrong.code) == (Verdict.REFUSED, "tier_channel")
    assert "key-account" in wrong.reason
    assert rule_details(wrong) == ["tiers.enforce_channel (test-rules@3)"]
    assert right.verdict is Verdict.UNIQUE
    assert small.verdict is Verdict.UNIQUE


def test_a_refusal_of_a_matched_customer_explains_the_match_and_the_rule() -> None:
    decision = decide(request("dealer-shaoxing"), Known([DUPLICATE]), rules())

    assert (decision.verdict, decision.customer_key, decision.matched) == (Verdict.REFUSED, "cust-known", "cust-known")
    assert [r.field for r in decision.explanation] == ["name", "phone", "rule", "rule"]
    assert rule_details(decision)[-1] == "territory.partner_regions (test-rules@3)"


def test_a_protected_customer_is_a_duplicate_before_any_refusal() -> None:
    tiers = [Tier(name="key-account", channel="direct")]
    claim = request("dealer-shaoxing", channel="agent")

    decision = decide(claim, Known([DUPLICATE], claims=[held("cust-known")]), rules(tiers=tiers))

    assert decision.verdict is Verdict.DUPLICATE


def test_the_tier_channel_is_checked_before_the_territory() -> None:
    tiers = [Tier(name="key-account", channel="direct")]

    decision = decide(request("dealer-shaoxing", channel="agent"), Known([]), rules(tiers=tiers))

    assert decision.code == "tier_channel"


def test_second_agent_on_another_department_of_same_hospital_is_unique() -> None:
    hospital = match(written("cust-hospital", HOSPITAL), Level.DUPLICATE, 0.99)
    orthopaedics = [held("cust-hospital", slice="骨科", partner="dealer-hangzhou")]

    decision = decide(
        request("dealer-hangzhou-2", written("lead-2", HOSPITAL), department="心内科"),
        Known([hospital], claims=orthopaedics),
        rules(slice_by=SliceBy.DEPARTMENT),
    )

    assert decision.verdict is Verdict.UNIQUE
    assert decision.customer_key == "cust-hospital#心内科"
    assert decision.claim == ClaimOf("cust-hospital", "心内科", new=False)


def test_department_written_differently_falls_into_the_held_slice_and_is_a_duplicate() -> None:
    hospital = match(written("cust-hospital", HOSPITAL), Level.DUPLICATE, 0.99)
    orthopaedics = [held("cust-hospital", slice="骨科")]

    decision = decide(
        request("dealer-hangzhou-2", written("lead-2", HOSPITAL), department="骨科门诊"),
        Known([hospital], claims=orthopaedics),
        rules(slice_by=SliceBy.DEPARTMENT),
    )

    assert decision.verdict is Verdict.DUPLICATE
    assert decision.customer_key == "cust-hospital#骨科"
    assert "this account's 骨科" in decision.reason


def test_claim_naming_no_department_collides_with_every_held_slice() -> None:
    hospital = match(written("cust-hospital", HOSPITAL), Level.DUPLICATE, 0.99)

    decision = decide(
        request("dealer-hangzhou-2", written("lead-2", HOSPITAL)),
        Known([hospital], claims=[held("cust-hospital", slice="骨科")]),
        rules(slice_by=SliceBy.DEPARTMENT),
    )

    assert decision.verdict is Verdict.DUPLICATE
    assert decision.customer_key == "cust-hospital#*"


def test_slice_bound_to_another_partner_is_refused_and_to_the_same_partner_is_unique() -> None:
    hospital = match(written("cust-hospital", HOSPITAL), Level.DUPLICATE, 0.99)
    known = Known([hospital], bindings=[Binding("cust-hospital", "骨科", "dealer-hangzhou")])

    def claim(partner: str) -> Decision:
        return decide(
            request(partner, written("lead-x", HOSPITAL), department="骨科"), known, rules(slice_by=SliceBy.DEPARTMENT)
        )

    refused, bound_one = claim("dealer-hangzhou-2"), claim("dealer-hangzhou")
    assert (refused.verdict, refused.code) == (Verdict.REFUSED, "slice_bound")
    assert rule_details(refused)[-1] == "dedup.slice_by (test-rules@3)"
    assert (bound_one.verdict, bound_one.customer_key) == (Verdict.UNIQUE, "cust-hospital#骨科")


def test_the_territory_is_checked_before_the_slice_binding() -> None:
    hospital = match(written("cust-hospital", HOSPITAL), Level.DUPLICATE, 0.99)
    known = Known([hospital], bindings=[Binding("cust-hospital", "骨科", "dealer-hangzhou")])

    decision = decide(
        request("dealer-shaoxing", written("lead-x", HOSPITAL), department="骨科"),
        known,
        rules(slice_by=SliceBy.DEPARTMENT),
    )

    assert decision.code == "out_of_region"


def shaoxing_claim(point: tuple[float, float]) -> ClaimRequest:
    return request("dealer-shaoxing", written("lead-sx", "绍兴柯桥装饰城", city="绍兴市", point=point))


def test_claim_within_30_km_of_another_regions_protected_customer_is_refused_with_the_radius_rule() -> None:
    known = Known([], nearby=[nearby("cust-xiaoshan", "dealer-hangzhou", XIAOSHAN)])

    decision = decide(shaoxing_claim(KEQIAO), known, rules())

    assert (decision.verdict, decision.code) == (Verdict.REFUSED, "cross_region_radius")
    assert (decision.customer_key, decision.matched) == ("cust-xiaoshan", "cust-xiaoshan")
    assert "cross_region_radius_km is 30 in test-rules@3" in decision.reason
    distance, rule = decision.explanation
    assert distance.field == "distance"
    assert 0 < distance.score < 1
    assert "km to cust-xiaoshan" in distance.detail
    assert rule.detail == "territory.cross_region_radius_km 30 (test-rules@3)"


def test_two_protected_customers_at_the_same_spot_refuse_naming_the_first_by_key() -> None:
    # One building, two customers held by the other region: equal distances must still give one answer.
    same_spot = [
        nearby("cust-xiaoshan-b", "dealer-hangzhou", XIAOSHAN),
        nearby("cust-xiaoshan-a", "dealer-hangzhou", XIAOSHAN),
    ]
    decision = decide(shaoxing_claim(KEQIAO), Known([], nearby=same_spot), rules())

    assert (decision.verdict, decision.code) == (Verdict.REFUSED, "cross_region_radius")
    assert decision.customer_key == "cust-xiaoshan-a"


def test_claim_beyond_the_radius_or_near_the_same_regions_customer_is_unique() -> None:
    far = Known([], nearby=[nearby("cust-xiaoshan", "dealer-hangzhou", XIAOSHAN)])
    same_region = Known([], nearby=[nearby("cust-keqiao", "dealer-shaoxing", KEQIAO)])

    assert decide(shaoxing_claim(SHANGYU), far, rules()).verdict is Verdict.UNIQUE
    assert decide(shaoxing_claim(KEQIAO), same_region, rules()).verdict is Verdict.UNIQUE
    assert decide(shaoxing_claim(KEQIAO), far, rules(radius_km=None)).verdict is Verdict.UNIQUE


def test_the_matched_customer_is_not_its_own_cross_region_neighbour() -> None:
    found = match(written("cust-xiaoshan", "绍兴柯桥装饰城", city="绍兴市"), Level.DUPLICATE, 0.99)
    known = Known([found], nearby=[nearby("cust-xiaoshan", "dealer-hangzhou", XIAOSHAN)])

    decision = decide(shaoxing_claim(KEQIAO), known, rules())

    assert (decision.verdict, decision.code) == (Verdict.UNIQUE, "known_customer_unprotected")


def test_with_the_hold_action_the_radius_rule_asks_a_reviewer_to_refuse_or_allow() -> None:
    known = Known([], nearby=[nearby("cust-xiaoshan", "dealer-hangzhou", XIAOSHAN)])

    decision = decide(shaoxing_claim(KEQIAO), known, rules(action=CrossRegionAction.HOLD))

    assert (decision.verdict, decision.code) == (Verdict.POSSIBLE, "cross_region_review")
    assert decision.reason.endswith("; held for a reviewer")
    assert decision.review is not None
    assert (decision.review.kind, decision.review.choices, decision.review.default_choice) == (
        "cross_region",
        ("refuse", "allow"),
        "refuse",
    )
    assert decision.review.details["nearby_customer"] == "cust-xiaoshan"
    assert decision.review.candidates == ({"key": "cust-xiaoshan", "score": 1.0},)


def test_the_slice_binding_is_checked_before_the_radius_rule() -> None:
    hospital = match(written("cust-hospital", HOSPITAL, city="绍兴市"), Level.DUPLICATE, 0.99)
    known = Known(
        [hospital],
        bindings=[Binding("cust-hospital", "骨科", "dealer-hangzhou")],
        nearby=[nearby("cust-xiaoshan", "dealer-hangzhou", XIAOSHAN)],
    )
    claim = request("dealer-shaoxing", written("lead-x", HOSPITAL, city="绍兴市", point=KEQIAO), department="骨科")

    assert decide(claim, known, rules(slice_by=SliceBy.DEPARTMENT)).code == "slice_bound"


def possible(key: str = "cust-maybe", score: float = 0.81) -> Candidate:
    return match(written(key, "滨江建设"), Level.POSSIBLE, score)


def test_possible_duplicate_protected_by_another_lead_is_held_for_a_reviewer() -> None:
    decision = decide(request(), Known([possible()], claims=[held("cust-maybe")]), rules())

    assert (decision.verdict, decision.code) == (Verdict.POSSIBLE, "possible_duplicate")
    assert (decision.customer_key, decision.matched, decision.claim) == ("cust-maybe", "cust-maybe", None)
    review = decision.review
    assert review is not None
    assert (review.kind, review.choices, review.default_choice) == (
        "possible_duplicate",
        ("duplicate", "distinct"),
        "duplicate",
    )
    assert review.title == "Possible duplicate: 杭州滨江建设有限公司"
    details: Any = review.details
    assert details["incoming"] == {"name": "杭州滨江建设有限公司", "province": "浙江省"}
    assert [c["customer_key"] for c in details["candidates"]] == ["cust-maybe"]
    assert details["candidates"][0]["reasons"] == ["name +5: same core 滨江建设", "phone +5: same phone"]
    assert review.candidates == ({"key": "cust-maybe", "score": 0.81},)
    assert "possible_threshold 0.75 <= score 0.810 < 0.92" in rule_details(decision)[0]


def test_possible_duplicate_nobody_protects_is_a_new_customer() -> None:
    decision = decide(request(), Known([possible()]), rules())

    assert (decision.verdict, decision.claim) == (Verdict.UNIQUE, ClaimOf("cust-new", None, new=True))


def test_only_protected_candidates_go_to_the_reviewer() -> None:
    candidates = [possible("cust-free", 0.9), possible("cust-held", 0.8)]

    decision = decide(request(), Known(candidates, claims=[held("cust-held")]), rules())

    assert decision.matched == "cust-held"
    assert decision.review is not None
    assert decision.review.candidates == ({"key": "cust-held", "score": 0.8},)


def test_the_radius_rule_is_checked_before_a_possible_duplicate_is_reviewed() -> None:
    claim = shaoxing_claim(KEQIAO)
    known = Known(
        [possible()], claims=[held("cust-maybe")], nearby=[nearby("cust-xiaoshan", "dealer-hangzhou", XIAOSHAN)]
    )

    assert decide(claim, known, rules()).code == "cross_region_radius"


def test_a_matched_customer_other_candidates_are_still_reviewed_when_protected() -> None:
    decision = decide(request(), Known([DUPLICATE, possible()], claims=[held("cust-maybe")]), rules())

    assert (decision.verdict, decision.matched) == (Verdict.POSSIBLE, "cust-maybe")


def test_candidate_a_reviewer_called_distinct_from_the_match_is_not_asked_about_again() -> None:
    distinct = ReviewedPair("cust-maybe", "cust-known", "distinct")
    known = Known([DUPLICATE, possible()], claims=[held("cust-maybe")], pair_decisions=[distinct])

    decision = decide(request(), known, rules())

    assert (decision.verdict, decision.code) == (Verdict.UNIQUE, "known_customer_unprotected")
    assert decision.claim == ClaimOf("cust-known", None, new=False)


def test_customer_written_exactly_as_one_a_reviewer_decided_about_is_that_customer() -> None:
    bare = written("lead-incoming", "滨江建设")
    reviewed = match(written("cust-reviewed", "滨江建设"), Level.POSSIBLE, 0.8)
    known = Known(
        [possible("cust-other", 0.85), reviewed], pair_decisions=[ReviewedPair("cust-reviewed", "cust-x", "same")]
    )

    protected = decide(request(customer=bare), replace(known, claims=[held("cust-reviewed")]), rules())
    free = decide(request(customer=bare), known, rules())

    assert (protected.verdict, protected.customer_key) == (Verdict.DUPLICATE, "cust-reviewed")
    assert (free.verdict, free.claim) == (Verdict.UNIQUE, ClaimOf("cust-reviewed", None, new=False))


def test_customer_written_alike_but_never_reviewed_is_still_only_possible() -> None:
    bare = written("lead-incoming", "滨江建设")

    decision = decide(request(customer=bare), Known([possible()], claims=[held("cust-maybe")]), rules())

    assert decision.verdict is Verdict.POSSIBLE
