"""Customer tiers and the channel each tier belongs to."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class Tier(BaseModel):
    """Opportunities with min_amount <= estimated amount < max_amount belong to this tier's channel."""

    model_config = ConfigDict(extra="forbid")

    name: str
    min_amount: Decimal = Decimal(0)
    max_amount: Decimal | None = None
    channel: str | None = Field(default=None, description="dealer, agent or direct; None = whoever registers")


class TierRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tiers: list[Tier] = Field(default_factory=list)
    enforce_channel: bool = Field(default=False, description="refuse registrations from the wrong channel")
