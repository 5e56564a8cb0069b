"""The split of a closed deal by the rule set in force: tiers, contribution, rulings, components, cents."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referee_settlement.domain.credit import CreditShare, DealTerms, Helper, Party, Ruling, SettlementError
from referee_settlement.domain.money import CENT
from referee_settlement.domain.split import Split, split_deal
from referee_shared.events.common import Channel
from referee_shared.rules.rulebook import RuleBook
from referee_shared.rules.ruleset import RuleSet
from referee_shared.rules.settlement import SettlementRules, SplitComponent
from referee_shared.rules.tiers import Tier, TierRules
from referee_shared.settings import REPO_ROOT

RULES = RuleBook.load(REPO_ROOT / "rules")
CLOSED = datetime(2026, 11, 20, tzinfo=UTC)
DIRECT_EAST = Party("direct-east", Channel.DIRECT)
AGENT_WANG = Party("agent-wang", Channel.AGENT)
AGENT_LI = Party("agent-li", Channel.AGENT)


def rules_for(product_line: str) -> RuleSet:
    return RULES.for_product_line(product_line, CLOSED)


def split(terms: DealTerms, product_line: str = "cnc-machines", ruling: Ruling | None = None) -> Split:
    rules = rules_for(product_line)
    return split_deal(terms, rules.settlement, rules.tiers, ruling)


def lines(result: Split) -> list[tuple[str, str, Decimal]]:
    return [(s.party.party_id, s.component, s.amount) for s in result.shares]


def test_agent_who_introduced_a_key_account_to_the_direct_team_gets_its_agreed_twenty_percent() -> None:
    deal = DealTerms("D-1", Decimal("1200000.00"), DIRECT_EAST, (Helper(AGENT_WANG, Decimal("0.2")),))

    result = split(deal)

    assert result.credit.tier is not None
    assert result.credit.tier.name == "key-account"
    assert result.distributable == Decimal("72000.00")
    assert lines(result) == [
        ("direct-east", "contribution-share", Decimal("57600.00")),
        ("agent-wang", "contribution-share", Decimal("14400.00")),
    ]
    assert result.shares[1].description == "20% credit of the pool 72,000.00"


def test_key_account_registered_by_an_agent_is_routed_to_the_direct_team_with_the_agents_agreed_share() -> None:
    deal = DealTerms("D-2", Decimal("1200000.00"), AGENT_WANG, (Helper(AGENT_WANG, Decimal("0.2")),))

    result = split(deal)

    assert result.credit.owner == Party("direct-sales", Channel.DIRECT)
    assert lines(result) == [
        ("direct-sales", "contribution-share", Decimal("57600.00")),
        ("agent-wang", "contribution-share", Decimal("14400.00")),
    ]
    assert "routes the deal to the direct team (direct-sales)" in result.credit.notes[0]


def test_routed_holder_without_an_agreement_keeps_the_rule_set_s_routed_share() -> None:
    result = split(DealTerms("D-3", Decimal("2000000.00"), AGENT_WANG))

    assert lines(result) == [
        ("direct-sales", "contribution-share", Decimal("108000.00")),
        ("agent-wang", "contribution-share", Decimal("12000.00")),
    ]


def test_small_deal_stays_the_agents() -> None:
    result = split(DealTerms("D-4", Decimal("300000.00"), AGENT_WANG))

    assert result.credit.tier is not None
    assert result.credit.tier.name == "small"
    assert lines(result) == [("agent-wang", "contribution-share", Decimal("18000.00"))]


def test_awkward_amount_and_ratios_are_split_to_the_exact_cent() -> None:
    helpers = (Helper(AGENT_WANG, Decimal("0.333333")), Helper(AGENT_LI, Decimal("0.333333")))
    result = split(DealTerms("D-5", Decimal("1234567.89"), DIRECT_EAST, helpers))

    assert result.distributable == Decimal("74074.07")
    assert [s.amount for s in result.shares] == [Decimal("24691.41"), Decimal("24691.33"), Decimal("24691.33")]
    assert sum(s.amount for s in result.shares) == result.distributable


def test_shared_credit_from_a_ruling_replaces_the_ratios_the_deal_reported() -> None:
    deal = DealTerms("D-6", Decimal("1200000.00"), DIRECT_EAST, (Helper(AGENT_WANG, Decimal("0.2")),))
    ruling = Ruling(
        "dispute-9",
        shares=(
            CreditShare("direct-east", Decimal("0.5")),
            CreditShare("agent-wang", Decimal("0.3")),
            CreditShare("agent-li", Decimal("0.2"), Channel.AGENT),
        ),
    )

    result = split(deal, ruling=ruling)

    assert lines(result) == [
        ("direct-east", "contribution-share", Decimal("36000.00")),
        ("agent-wang", "contribution-share", Decimal("21600.00")),
        ("agent-li", "contribution-share", Decimal("14400.00")),
    ]
    assert result.credit.notes == ["ruling dispute-9 shares the credit: direct-east 50%, agent-wang 30%, agent-li 20%"]


def test_a_ruling_that_transfers_the_lead_makes_the_new_holder_the_owner() -> None:
    ruling = Ruling("dispute-7", new_holder_id="agent-li", new_holder_channel=Channel.AGENT)

    result = split(DealTerms("D-7", Decimal("300000.00"), AGENT_WANG), ruling=ruling)

    assert lines(result) == [("agent-li", "contribution-share", Decimal("18000.00"))]


def test_a_ruling_naming_a_party_whose_channel_nobody_stated_cannot_be_settled() -> None:
    ruling = Ruling("dispute-8", shares=(CreditShare("direct-east", Decimal("0.5")), CreditShare("x", Decimal("0.5"))))

    with pytest.raises(SettlementError, match="the channel of x is not known"):
        split(DealTerms("D-8", Decimal("1200000.00"), DIRECT_EAST), ruling=ruling)


def test_helpers_credited_with_more_than_the_whole_deal_cannot_be_settled() -> None:
    helpers = (Helper(AGENT_WANG, Decimal("0.7")), Helper(AGENT_LI, Decimal("0.4")))

    with pytest.raises(SettlementError, match=r"sum to 1\.1, more than the whole deal"):
        split(DealTerms("D-9", Decimal("1200000.00"), DIRECT_EAST, helpers))


def test_dealer_margin_is_capped_and_the_manufacturer_keeps_the_rest() -> None:
    result = split(DealTerms("D-10", Decimal("2000000.00"), Party("dealer-hz", Channel.DEALER)), "tiles")

    assert result.pool == Decimal("160000.00")
    assert lines(result) == [("dealer-hz", "dealer-margin", Decimal("80000.00"))]
    assert result.distributable == Decimal("80000.00")
    assert result.shares[0].description.endswith("capped at 80,000.00")


def test_agent_commission_minimum_is_paid_even_beyond_the_pool() -> None:
    helpers = (Helper(AGENT_LI, Decimal("0.01")),)
    result = split(DealTerms("D-11", Decimal("100000.00"), AGENT_WANG, helpers), "orthopaedics")

    assert lines(result) == [
        ("agent-wang", "agent-commission", Decimal("14850.00")),
        ("agent-li", "agent-commission", Decimal("500.00")),
    ]
    assert result.distributable == Decimal("15350.00")


def test_fixed_bonus_to_helpers_then_percent_to_a_named_fund_then_the_rest_to_the_owner() -> None:
    rules = SettlementRules(
        commission_percent=Decimal(5),
        components=[
            SplitComponent(name="introduction-bonus", to="contributors", fixed=Decimal(2000), tiers=["key-account"]),
            SplitComponent(name="channel-fund", to="hq-fund", channel=Channel.DIRECT, percent=Decimal("10")),
        ],
    )
    tiers = TierRules(tiers=[Tier(name="key-account", min_amount=Decimal(1000000))])
    deal = DealTerms("D-12", Decimal("1000000.00"), DIRECT_EAST, (Helper(AGENT_WANG, Decimal("0.25")),))

    result = split_deal(deal, rules, tiers)

    assert lines(result) == [
        ("agent-wang", "introduction-bonus", Decimal("500.00")),
        ("hq-fund", "channel-fund", Decimal("4950.00")),
        ("direct-east", "remainder", Decimal("44550.00")),
    ]


def test_a_lost_amount_of_zero_has_nothing_to_split() -> None:
    assert split(DealTerms("D-13", Decimal("0.00"), AGENT_WANG)).shares == []


amounts = st.decimals(
    min_value=0, max_value=Decimal("9999999999999.99"), places=2, allow_nan=False, allow_infinity=False
)
cut_points = st.lists(st.integers(min_value=0, max_value=10**6), max_size=8).map(sorted)
percents = st.decimals(min_value=0, max_value=100, places=4, allow_nan=False, allow_infinity=False)
money = st.decimals(min_value=0, max_value=Decimal("100000"), places=2, allow_nan=False, allow_infinity=False)


def helpers_from(points: list[int]) -> tuple[Helper, ...]:
    """Contributors whose ratios are the gaps between cut points: any count, summing to at most 1."""
    ratios = [Decimal(b - a) / 10**6 for a, b in zip([0, *points], points, strict=False)]
    return tuple(Helper(Party(f"agent-{i}", Channel.AGENT), ratio) for i, ratio in enumerate(ratios))


@st.composite
def component_lists(draw: st.DrawFn) -> list[SplitComponent]:
    components = []
    for index in range(draw(st.integers(min_value=1, max_value=4))):
        to = draw(st.sampled_from(["owner", "credited", "contributors", "hq-fund"]))
        amount = {"fixed": draw(money)} if draw(st.booleans()) else {"percent": draw(percents)}
        cap = draw(st.none() | money)
        minimum = draw(st.none() | money)
        if cap is not None and minimum is not None and minimum > cap:
            cap, minimum = minimum, cap
        channel = Channel.DIRECT if to == "hq-fund" else None
        components.append(SplitComponent(name=f"c{index}", to=to, channel=channel, cap=cap, minimum=minimum, **amount))
    return components


@settings(max_examples=300)
@given(amounts, cut_points, percents)
def test_lines_always_sum_to_the_pool_rounded_to_the_cent(amount: Decimal, points: list[int], rate: Decimal) -> None:
    rules = SettlementRules(commission_percent=rate)
    result = split_deal(DealTerms("P", amount, DIRECT_EAST, helpers_from(points)), rules, TierRules())

    assert sum(s.amount for s in result.shares) == result.distributable
    assert result.distributable == result.pool.quantize(CENT, rounding="ROUND_HALF_UP")
    assert all(s.amount > 0 and s.amount == s.amount.quantize(CENT) for s in result.shares)
    assert all(abs(s.amount - s.exact) < CENT for s in result.shares)


@settings(max_examples=300)
@given(amounts, cut_points, percents, component_lists(), st.sampled_from(["owner", "retained"]))
def test_any_components_caps_and_minimums_give_whole_cent_positive_lines_summing_to_the_total(
    amount: Decimal, points: list[int], rate: Decimal, components: list[SplitComponent], remainder_to: str
) -> None:
    rules = SettlementRules.model_validate(
        {"commission_percent": rate, "components": components, "remainder_to": remainder_to}
    )
    result = split_deal(DealTerms("P", amount, AGENT_WANG, helpers_from(points)), rules, TierRules())

    assert sum(s.amount for s in result.shares) == result.distributable
    assert all(s.amount > 0 for s in result.shares)
    for component in components:
        for share in (s for s in result.shares if s.component == component.name):
            if component.cap is not None:
                assert share.amount <= component.cap
            if component.minimum is not None:
                assert share.amount >= component.minimum
    if remainder_to == "owner" and all(c.minimum is None and c.fixed is None for c in components):
        assert result.distributable == result.pool.quantize(CENT, rounding="ROUND_HALF_UP")
