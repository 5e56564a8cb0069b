"""Inputs and results of registration's workflows and activities (pydantic, via the data converter)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from referee_shared.rules.protection import ProtectionRules


class LockInput(BaseModel):
    lock_id: UUID
    lead_id: UUID
    partner_id: str
    customer_key: str
    starts_at: datetime
    expires_at: datetime
    rule_set: str
    rule_version: int
    protection: ProtectionRules


class LockEnded(BaseModel):
    """What the lock workflow asks registration to record when protection ends."""

    lock_id: UUID
    change: str
    at: datetime
    reason: str


LOCK_WORKFLOW_KIND = "lead-lock"
