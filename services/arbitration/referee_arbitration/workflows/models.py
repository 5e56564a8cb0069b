"""Inputs of the dispute workflow, its updates and its activities (pydantic, via the data converter)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from referee_shared.events.common import Channel
from referee_shared.events.disputes import DisputeStep
from referee_shared.rules.arbitration import ArbitrationRules

from ..domain.ruling import Parties, RulingDraft

DISPUTE_WORKFLOW_KIND = "dispute"
APPEAL_UPDATE = "appeal"


class DisputeCase(BaseModel):
    """What the workflow needs to know of a dispute; the case file itself stays in arbitration's database."""

    dispute_id: UUID
    claimant_id: str
    respondent_ids: list[str]
    contested_lead_id: UUID | None
    holder_id: str | None
    region: str
    opened_at: datetime
    rule_set: str
    rule_version: int
    rules: ArbitrationRules
    party_channels: dict[str, Channel] = Field(default_factory=dict, description="as the parties' registrations say")

    def parties(self) -> Parties:
        return Parties(
            self.claimant_id, tuple(self.respondent_ids), self.contested_lead_id, self.holder_id, self.party_channels
        )


class AppealFiled(BaseModel):
    """A party's appeal against a ruling, with its grounds; the argument of the ``appeal`` update."""

    party_id: str
    grounds: str = Field(min_length=1, max_length=8000)


class ReviewOpening(BaseModel):
    action_id: UUID
    dispute_id: UUID
    task_id: str
    level: int
    due_at: datetime
    at: datetime
    excluded_decider: str | None = None
    review_of: str | None = Field(default=None, description="for an appeal: the ruling under review, in words")


class ReviewClosing(BaseModel):
    task_id: str
    outcome: str
    decided_by: str | None
    reason: str
    at: datetime


class Notice(BaseModel):
    """A step that only informs: a reminder before a deadline, or an overdue HQ review."""

    action_id: UUID
    dispute_id: UUID
    step: DisputeStep
    summary: str
    level: int | None
    due_at: datetime
    at: datetime


class Escalation(BaseModel):
    action_id: UUID
    dispute_id: UUID
    reason_code: str = Field(description="deadline_passed or appealed")
    summary: str
    due_at: datetime = Field(description="the HQ review's deadline")
    at: datetime


class RulingMade(BaseModel):
    action_id: UUID
    dispute_id: UUID
    ruling: RulingDraft
    decided_at: datetime
    appeal_until: datetime | None = Field(description="None when no appeal remains: the ruling takes effect at once")


class AppealMade(BaseModel):
    action_id: UUID
    dispute_id: UUID
    appeal: AppealFiled
    at: datetime
    statements_until: datetime


class Finalisation(BaseModel):
    """The appeal window closed without an appeal: the last ruling takes effect."""

    action_id: UUID
    dispute_id: UUID
    at: datetime
