"""How the money of a closed deal is split.

The pool is ``commission_percent`` of the deal amount. Components take from it in the order written:
a ``percent`` of what remains of the pool, or a ``fixed`` sum, given to one party or shared by credit
ratio among a group, each party's share clamped to the component's ``minimum`` and ``cap``. What
remains after the last component goes to ``remainder_to``. docs/settlement.md has worked examples.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..events.common import Channel

# Four decimal places bound the digits of every product, so shares are exact Decimals (no division).
RulePercent = Annotated[Decimal, Field(ge=0, le=100, decimal_places=4)]
RuleAmount = Annotated[Decimal, Field(ge=0, decimal_places=2)]
RuleRatio = Annotated[Decimal, Field(ge=0, le=1, decimal_places=6)]


class Recipient(StrEnum):
    """Who a component pays; any other value of ``to`` names one party (give its ``channel``)."""

    OWNER = "owner"  # the party the deal is routed to: the lead's holder, or the house party of the tier's channel
    CREDITED = "credited"  # owner and helpers, each by its credit ratio
    CONTRIBUTORS = "contributors"  # the helpers only, each by its credit ratio
    DIRECT = "direct"  # the direct team's house party


class SplitComponent(BaseModel):
    """One part of a split: a percentage of the remaining pool or a fixed sum, to a party or a group."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9\-]+$", description="named on every statement line it produces")
    to: str = Field(description="owner, credited, contributors, direct, or a party id")
    channel: Channel | None = Field(default=None, description="the channel of a party named in `to`")
    percent: RulePercent | None = Field(default=None, description="of what remains of the pool at this component")
    fixed: RuleAmount | None = Field(default=None, description="a sum; a group shares it by credit ratio")
    cap: RuleAmount | None = Field(default=None, description="most one party may get from this component")
    minimum: RuleAmount | None = Field(default=None, description="least one credited party gets from this component")
    tiers: list[str] = Field(default_factory=list, description="apply only to deals of these tiers; empty: all")

    @model_validator(mode="after")
    def _well_formed(self) -> SplitComponent:
        if (self.percent is None) == (self.fixed is None):
            raise ValueError(f"component {self.name!r} needs exactly one of percent or fixed")
        if self.cap is not None and self.minimum is not None and self.minimum > self.cap:
            raise ValueError(f"component {self.name!r} has a minimum above its cap")
        if self.to not in set(Recipient) and self.channel is None:
            raise ValueError(f"component {self.name!r} pays party {self.to!r}: give its channel")
        return self

    @property
    def recipient(self) -> Recipient | None:
        """The group or role paid, or None when ``to`` names one party."""
        return Recipient(self.to) if self.to in set(Recipient) else None


class RemainderTo(StrEnum):
    OWNER = "owner"
    RETAINED = "retained"  # the manufacturer keeps it: it is not on the statement


def _default_components() -> list[SplitComponent]:
    return [SplitComponent(name="credit-share", to=Recipient.CREDITED, percent=Decimal(100))]


class SettlementRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    commission_percent: RulePercent = Field(
        default=Decimal(10), description="share of the deal amount that is distributed to channels"
    )
    components: list[SplitComponent] = Field(default_factory=_default_components)
    remainder_to: RemainderTo = Field(
        default=RemainderTo.OWNER, description="who gets what the components leave of the pool"
    )
    house_parties: dict[Channel, str] = Field(
        default_factory=dict,
        description="channel -> the party taking the deals the tiers route to that channel, e.g. direct: direct-sales",
    )
    routed_holder_ratio: RuleRatio = Field(
        default=Decimal(0), description="credit of a lead's holder when the tiers route its deal to a house party"
    )
    unagreed_contributor_ratio: RuleRatio = Field(
        default=Decimal(0), description="credit of a contributor the deal lists without an agreed ratio"
    )
    approval_threshold: RuleAmount = Field(
        default=Decimal(100000), description="statements distributing more than this wait for finance's approval"
    )
    approval_deadline_hours: int = Field(default=72, ge=1, description="each approval level's deadline")
    approval_reminder_hours_before: int = Field(default=24, ge=1, description="reminder this long before a deadline")
    payment_max_retries: int = Field(default=3, ge=0, description="re-issues of a failed payment before flagging it")

    @model_validator(mode="after")
    def _house_party_for_direct_components(self) -> SettlementRules:
        if any(c.recipient is Recipient.DIRECT for c in self.components) and Channel.DIRECT not in self.house_parties:
            raise ValueError("a component pays `direct` but house_parties names no direct party")
        if len({c.name for c in self.components}) != len(self.components):
            raise ValueError("component names must be unique")
        return self
