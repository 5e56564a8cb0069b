"""What a partner record says and what it allows; plain Python, no framework."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from referee_shared.events.common import Channel, PartyId


class PartnerStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class PartnerRecord(BaseModel):
    """One partner as the registry knows it; the only source of its channel, regions and status."""

    model_config = ConfigDict(extra="forbid")

    partner_id: PartyId
    name: str = Field(min_length=1, max_length=200)
    channel: Channel
    regions: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="provinces (e.g. 浙江) it may register customers in; empty = any",
    )
    status: PartnerStatus = PartnerStatus.ACTIVE
    producers: list[str] = Field(
        default_factory=list, max_length=20, description="producer ids (portals) that may act for it; empty = any"
    )


@dataclass(frozen=True)
class Refusal:
    code: str
    reason: str


def may_register(partner: PartnerRecord | None, partner_id: str, producer: str, region: str | None) -> Refusal | None:
    """Why this partner may not register here through this producer, or None when it may."""
    if partner is None:
        return Refusal("unknown_partner", f"{partner_id} is not a registered partner; ask the channel admin to add it")
    if partner.status is PartnerStatus.SUSPENDED:
        return Refusal("partner_suspended", f"{partner_id} is suspended and may not register customers")
    if partner.producers and producer not in partner.producers:
        return Refusal("may_not_speak_for", f"{producer} is not one of the systems that act for {partner_id}")
    if partner.regions and region not in partner.regions:
        return Refusal(
            "outside_partner_regions",
            f"the customer is in {region or 'an unknown region'}; {partner_id} may register only in "
            + "、".join(partner.regions),
        )
    return None
