"""Who a closed deal belongs to and how its credit is shared: tier routing, agreed contribution ratios,
and arbitration rulings that transfer a lead or share its credit."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from referee_shared.events.common import Channel
from referee_shared.rules.settlement import SettlementRules
from referee_shared.rules.tiers import Tier, TierRules


class SettlementError(Exception):
    """A deal that cannot be settled as reported; the reason says what to correct."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Party:
    party_id: str
    channel: Channel


@dataclass(frozen=True)
class Helper:
    """A party the deal names as having helped, with the ratio the parties agreed (None: not agreed)."""

    party: Party
    ratio: Decimal | None = None


@dataclass(frozen=True)
class DealTerms:
    deal_id: str
    amount: Decimal
    holder: Party
    helpers: tuple[Helper, ...] = ()


@dataclass(frozen=True)
class CreditShare:
    party_id: str
    ratio: Decimal
    channel: Channel | None = None


@dataclass(frozen=True)
class Ruling:
    """What arbitration decided about the lead: a new holder, or the credit shared by ratio (or both)."""

    dispute_id: str
    new_holder_id: str | None = None
    new_holder_channel: Channel | None = None
    shares: tuple[CreditShare, ...] = ()


@dataclass(frozen=True)
class Credit:
    """The settled view of a deal: its tier, the holder, the owner it is routed to, and credit ratios.

    ``ratios`` holds every party with a positive credit, the owner first; they sum to exactly 1.
    """

    tier: Tier | None
    holder: Party
    owner: Party
    ratios: dict[str, Decimal]
    parties: dict[str, Party]
    notes: list[str] = field(default_factory=list)


def tier_of(amount: Decimal, tiers: TierRules) -> Tier | None:
    """The first tier with min_amount <= amount < max_amount (no max: no upper bound)."""
    for tier in tiers.tiers:
        if tier.min_amount <= amount and (tier.max_amount is None or amount < tier.max_amount):
            return tier
    return None


def credit_of(terms: DealTerms, rules: SettlementRules, tiers: TierRules, ruling: Ruling | None = None) -> Credit:
    """Route the deal by tier and share its credit; SettlementError if the reported ratios cannot hold."""
    known = {terms.holder.party_id: terms.holder}
    for helper in terms.helpers:
        known.setdefault(helper.party.party_id, helper.party)
    notes: list[str] = []
    holder = terms.holder
    if ruling is not None and ruling.new_holder_id and ruling.new_holder_id != holder.party_id:
        holder = Party(ruling.new_holder_id, _channel(ruling.new_holder_id, ruling.new_holder_channel, known))
        known.setdefault(holder.party_id, holder)
        notes.append(f"ruling {ruling.dispute_id} transferred the lead to {holder.party_id}")
    tier = tier_of(terms.amount, tiers)
    owner = _route(holder, tier, rules, notes)
    known.setdefault(owner.party_id, owner)
    if ruling is not None and ruling.shares:
        ratios = _ruled_ratios(ruling, known, notes)
    else:
        ratios = _agreed_ratios(terms, holder, owner, rules)
    ordered = {owner.party_id: ratios.pop(owner.party_id)} if owner.party_id in ratios else {}
    ordered.update(ratios)
    credited = {party_id: ratio for party_id, ratio in ordered.items() if ratio > 0}
    return Credit(tier, holder, owner, credited, {p: known[p] for p in credited} | {owner.party_id: owner}, notes)


def _route(holder: Party, tier: Tier | None, rules: SettlementRules, notes: list[str]) -> Party:
    if tier is None or tier.channel is None or tier.channel == holder.channel.value:
        return holder
    channel = Channel(tier.channel)
    house = rules.house_parties.get(channel)
    if house is None:
        notes.append(
            f"tier {tier.name} belongs to the {channel} channel, which names no house party: stays with the holder"
        )
        return holder
    notes.append(
        f"tier {tier.name} routes the deal to the {channel} team ({house}); holder {holder.party_id} is credited"
    )
    return Party(house, channel)


def _agreed_ratios(terms: DealTerms, holder: Party, owner: Party, rules: SettlementRules) -> dict[str, Decimal]:
    ratios: dict[str, Decimal] = {}
    owner_agreed: Decimal | None = None
    for helper in terms.helpers:
        party_id = helper.party.party_id
        if party_id in ratios or (party_id == owner.party_id and owner_agreed is not None):
            raise SettlementError(f"contributor {party_id} is listed twice")
        if party_id == owner.party_id:
            owner_agreed = helper.ratio
            continue
        ratios[party_id] = helper.ratio if helper.ratio is not None else rules.unagreed_contributor_ratio
    if owner != holder and holder.party_id not in ratios:
        ratios[holder.party_id] = rules.routed_holder_ratio
    others = sum(ratios.values(), Decimal(0))
    if others > 1:
        raise SettlementError(f"contribution ratios of the helpers sum to {others}, more than the whole deal")
    owner_ratio = owner_agreed if owner_agreed is not None else 1 - others
    if owner_ratio + others != 1:
        raise SettlementError(f"contribution ratios sum to {owner_ratio + others}; with the owner's they must make 1")
    return {owner.party_id: owner_ratio, **ratios}


def _ruled_ratios(ruling: Ruling, known: dict[str, Party], notes: list[str]) -> dict[str, Decimal]:
    total = sum((share.ratio for share in ruling.shares), Decimal(0))
    if total != 1:
        raise SettlementError(f"ruling {ruling.dispute_id} shares credit in ratios summing to {total}, not 1")
    ratios: dict[str, Decimal] = {}
    for share in ruling.shares:
        if share.party_id in ratios:
            raise SettlementError(f"ruling {ruling.dispute_id} names {share.party_id} twice")
        known.setdefault(share.party_id, Party(share.party_id, _channel(share.party_id, share.channel, known)))
        ratios[share.party_id] = share.ratio
    shares = ", ".join(f"{s.party_id} {(s.ratio * 100).normalize():f}%" for s in ruling.shares)
    notes.append(f"ruling {ruling.dispute_id} shares the credit: {shares}")
    return ratios


def _channel(party_id: str, stated: Channel | None, known: dict[str, Party]) -> Channel:
    if stated is not None:
        return stated
    if party_id in known:
        return known[party_id].channel
    raise SettlementError(f"the channel of {party_id} is not known: the ruling must state it")
