"""How the money of a closed deal is split."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class SplitComponent(BaseModel):
    """One part of a split: a percentage of the distributable amount or a fixed sum, to a role."""

    model_config = ConfigDict(extra="forbid")

    name: str
    to: str = Field(description="owner (the lead's holder), contributor, direct, or a party id")
    percent: Decimal | None = Field(default=None, ge=0, le=100)
    fixed: Decimal | None = Field(default=None, ge=0)
    cap: Decimal | None = Field(default=None, ge=0)
    minimum: Decimal | None = Field(default=None, ge=0)


class SettlementRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    commission_percent: Decimal = Field(
        default=Decimal(10), ge=0, le=100, description="share of the deal amount that is distributed to channels"
    )
    components: list[SplitComponent] = Field(default_factory=list)
    approval_threshold: Decimal = Field(default=Decimal(100000), ge=0)
    approval_deadline_hours: int = Field(default=72, ge=1)
    payment_max_retries: int = Field(default=3, ge=0)
