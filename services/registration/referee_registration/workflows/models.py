"""Inputs and results of registration's workflows and activities (pydantic, via the data converter)."""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel, Field

from referee_shared.rules.protection import ProtectionRules

LOCK_WORKFLOW_KIND = "lead-lock"


def lock_id_for(lead_id: UUID) -> UUID:
    """The lock a lead wins, and keeps through transfers: one id from the lead that first won it."""
    return uuid5(NAMESPACE_URL, f"referee:lock:{lead_id}")


EXTENSION_CHOICES = ("approve", "deny")
EXTENSION_DECIDERS = ("reviewer", "admin")


class PendingExtension(BaseModel):
    """An extension request waiting for a reviewer, as the shared inbox knows it."""

    task_id: str
    days: int
    due_at: datetime
    requested_by: str


class LockProgress(BaseModel):
    """Everything a lock workflow has learned since it started; carried over by continue-as-new."""

    lead_id: UUID
    partner_id: str
    starts_at: datetime
    expires_at: datetime
    extensions_requested: int = 0
    extensions_granted: int = 0
    pending: PendingExtension | None = None
    reminders_armed_at: datetime
    reminders_sent: list[int] = Field(default_factory=list)
    rulings_applied: dict[str, str] = Field(default_factory=dict, description="dispute id -> lead id it created")


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
    region: str | None = None
    progress: LockProgress | None = Field(default=None, description="set when the workflow continues as new")
    history_limit: int = Field(default=2000, ge=10, description="continue as new beyond this many history events")


class LockEnded(BaseModel):
    """What the lock workflow asks registration to record when protection ends."""

    lock_id: UUID
    change: str
    at: datetime
    reason: str


class LockEnding(BaseModel):
    """Registration tells the workflow the lock ended outside it: won (completed), lost or withdrawn (released)."""

    change: str
    reason: str


class LockReminder(BaseModel):
    lock_id: UUID
    days_before: int
    expires_at: datetime
    at: datetime


class LockExtended(BaseModel):
    """A later expiry earned by a follow-up activity."""

    lock_id: UUID
    expires_at: datetime
    at: datetime
    reason: str
    activity_id: UUID


class FollowUp(BaseModel):
    """A follow-up activity on the locked lead, at the system's time of receipt."""

    activity_id: UUID
    kind: str
    at: datetime


class ExtensionRequest(BaseModel):
    days: int = Field(ge=1)
    reason: str = Field(min_length=1, max_length=2000)
    requested_by: str


class ExtensionTicket(BaseModel):
    task_id: str
    due_at: datetime


class ExtensionOpened(BaseModel):
    """Open the reviewer task of an extension request (TaskOpened on tasks.events)."""

    lock_id: UUID
    task_id: str
    workflow_id: str
    days: int
    reason: str
    requested_by: str
    due_at: datetime
    at: datetime
    requested_expires_at: datetime


class ExtensionClosed(BaseModel):
    """Close the reviewer task: approved (with the new expiry), denied, lapsed or withdrawn."""

    lock_id: UUID
    task_id: str
    outcome: str
    decided_by: str | None
    reason: str
    at: datetime
    expires_at: datetime | None = Field(default=None, description="the new expiry when approved")


class TransferOrder(BaseModel):
    """An arbitration ruling handing the customer to another partner."""

    dispute_id: UUID
    new_holder_id: str
    reason: str
    decided_by: str


class LockTransferred(BaseModel):
    lock_id: UUID
    dispute_id: UUID
    previous_lead_id: UUID
    new_lead_id: UUID
    new_holder_id: str
    reason: str
    decided_by: str
    at: datetime
    expires_at: datetime
