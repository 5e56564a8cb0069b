"""Territory protection: partners' regions and the no-cross-region radius."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class CrossRegionAction(StrEnum):
    REFUSE = "refuse"
    HOLD = "hold"


class TerritoryRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enforce_partner_regions: bool = Field(
        default=False, description="refuse registrations outside the partner's permitted regions"
    )
    partner_regions: dict[str, list[str]] = Field(
        default_factory=dict,
        description="partner id -> permitted regions as 'province', 'province/city' or 'province/city/district'",
    )
    cross_region_radius_km: float | None = Field(
        default=None, ge=0, description="no registration within this distance of another region's protected customer"
    )
    cross_region_action: CrossRegionAction = CrossRegionAction.REFUSE
    unlisted_partners: Literal["allow", "refuse"] = Field(
        default="allow", description="whether a partner missing from partner_regions may register anywhere"
    )
