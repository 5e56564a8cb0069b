"""Payload of partners.registry: the current record of a partner, whenever an admin changes it."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from ..reasons import PARTNER_STATUSES, statuses
from .common import Channel, PartyId
from .envelope import Payload


class PartnerChanged(Payload):
    """A partner's record as it stands after a change; the topic is compacted, so the latest per partner remains."""

    event_type = "partner.changed"

    partner_id: PartyId
    name: str
    channel: Channel
    regions: list[str] = Field(description="provinces it may register customers in; empty = any")
    status: str = Field(json_schema_extra=statuses(PARTNER_STATUSES, "whether the partner may register customers"))
    producers: list[str] = Field(description="producer ids that may act for it; empty = any registered portal")
    changed_by: str
    changed_at: AwareDatetime
