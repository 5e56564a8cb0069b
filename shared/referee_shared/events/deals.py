"""Payloads of deals.closed: a deal won or lost, and later a refund or cancellation of it."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from pydantic import ConfigDict, Field

from ..timebounds import BoundedDatetime
from .common import Channel, CurrencyCode, Money, PartyId, ProductLine, Ratio, Strict
from .envelope import Payload


class DealOutcome(StrEnum):
    WON = "won"
    LOST = "lost"


class Contributor(Strict):
    """A party that helped win the deal, with the share the parties agreed where they did."""

    party_id: PartyId
    channel: Channel
    ratio: Ratio | None = None


WON_DEAL_REQUIRES = ("product_line", "owner_id", "owner_channel")


class DealClosed(Payload):
    # Settlement cannot split a won deal without these (it dead-letters one that lacks them): the schema says so.
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"outcome": {"const": "won"}}, "required": ["outcome"]},
            "then": {"required": list(WON_DEAL_REQUIRES)},
        }
    )

    event_type = "deal.closed"

    deal_id: str = Field(min_length=1, max_length=64)
    lead_id: UUID
    outcome: DealOutcome
    amount: Money = Field(ge=0)
    currency: CurrencyCode = "CNY"
    closed_at: BoundedDatetime
    contributors: list[Contributor] = Field(default_factory=list, max_length=20)
    product_line: ProductLine | None = Field(
        default=None, description="chooses the rule set settlement splits by; required for a won deal"
    )
    owner_id: PartyId | None = Field(default=None, description="the lead's holder; required for a won deal")
    owner_channel: Channel | None = Field(default=None, description="the holder's channel; required for a won deal")


class ReversalKind(StrEnum):
    REFUND = "refund"
    CANCELLATION = "cancellation"


class DealReversed(Payload):
    """A refund or cancellation of a closed deal; settlement nets the original statement to zero."""

    event_type = "deal.reversed"

    deal_id: str = Field(min_length=1, max_length=64)
    kind: ReversalKind
    reason: str = Field(min_length=1, max_length=1000)
    reversed_at: BoundedDatetime
