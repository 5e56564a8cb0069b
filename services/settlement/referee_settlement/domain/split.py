"""The split of a closed deal's commission pool into statement lines, by the rule set in force."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from referee_shared.events.common import Channel
from referee_shared.rules.settlement import Recipient, RemainderTo, SettlementRules, SplitComponent
from referee_shared.rules.tiers import TierRules

from .credit import Credit, DealTerms, Party, Ruling, credit_of
from .money import apportion, multiply, percent_of

REMAINDER = "remainder"


@dataclass(frozen=True)
class Share:
    """One line of a split: a party's amount in cents, its exact value, and the component that gave it."""

    party: Party
    component: str
    exact: Decimal
    amount: Decimal
    description: str


@dataclass(frozen=True)
class Split:
    credit: Credit
    pool: Decimal
    distributable: Decimal
    shares: list[Share]


def split_deal(terms: DealTerms, rules: SettlementRules, tiers: TierRules, ruling: Ruling | None = None) -> Split:
    """Route, credit and split a won deal; the shares' amounts sum exactly to ``distributable``."""
    if terms.amount < 0:
        raise ValueError("a deal amount is never negative")
    credit = credit_of(terms, rules, tiers, ruling)
    pool = percent_of(terms.amount, rules.commission_percent)
    exact: list[tuple[Party, str, Decimal, str]] = []
    taken = Decimal(0)
    for component in rules.components:
        if component.tiers and (credit.tier is None or credit.tier.name not in component.tiers):
            continue
        remaining = max(pool - taken, Decimal(0))
        for party, value, why in _component_shares(component, remaining, remaining == pool, credit, rules):
            exact.append((party, component.name, value, why))
            taken += value
    leftover = pool - taken
    if leftover > 0 and rules.remainder_to is RemainderTo.OWNER:
        exact.append((credit.owner, REMAINDER, leftover, "what the components left of the pool"))
    distributable, cents = apportion([value for _, _, value, _ in exact])
    shares = [
        Share(party, component, value, amount, why)
        for (party, component, value, why), amount in zip(exact, cents, strict=True)
        if amount != 0
    ]
    return Split(credit, pool, distributable, shares)


def _component_shares(
    component: SplitComponent, remaining: Decimal, whole: bool, credit: Credit, rules: SettlementRules
) -> list[tuple[Party, Decimal, str]]:
    if component.fixed is not None:
        base, basis = component.fixed, f"fixed {_money(component.fixed)}"
    else:
        percent = component.percent or Decimal(0)
        base = percent_of(remaining, percent)
        pool = f"the {'pool' if whole else 'remaining pool'} {_money(remaining)}"
        basis = pool if percent == 100 else f"{_number(percent)}% of {pool}"
    shares = []
    for party, weight in _recipients(component, credit, rules):
        value = multiply(base, weight)
        why = basis if weight == 1 else f"{_number(weight * 100)}% credit of {basis}"
        if component.cap is not None and value > component.cap:
            value, why = component.cap, f"{why}, capped at {_money(component.cap)}"
        if component.minimum is not None and value < component.minimum:
            value, why = component.minimum, f"{why}, raised to the minimum {_money(component.minimum)}"
        if value > 0:
            shares.append((party, value, why))
    return shares


def _recipients(component: SplitComponent, credit: Credit, rules: SettlementRules) -> list[tuple[Party, Decimal]]:
    recipient = component.recipient
    if recipient is Recipient.OWNER:
        return [(credit.owner, Decimal(1))]
    if recipient is Recipient.CREDITED:
        return [(credit.parties[p], ratio) for p, ratio in credit.ratios.items()]
    if recipient is Recipient.CONTRIBUTORS:
        return [(credit.parties[p], ratio) for p, ratio in credit.ratios.items() if p != credit.owner.party_id]
    if recipient is Recipient.DIRECT:
        return [(Party(rules.house_parties[Channel.DIRECT], Channel.DIRECT), Decimal(1))]
    assert component.channel is not None  # the rule model requires it for a named party
    return [(Party(component.to, component.channel), Decimal(1))]


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"
