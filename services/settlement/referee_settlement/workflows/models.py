"""Inputs and results of the settlement workflow and its activities (pydantic, via the data converter)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel

SETTLEMENT_WORKFLOW_KIND = "settlement"
APPROVE, REJECT = "approve", "reject"


class SettlementStart(BaseModel):
    deal_id: str
    revision: int


class DealRevised(BaseModel):
    """The deal's terms or the rulings on its lead changed: settle revision ``revision``."""

    revision: int
    reason: str


class DealReversal(BaseModel):
    kind: str
    reason: str


class PlanKind(StrEnum):
    DRAFT = "draft"  # a new statement to approve (if need be) and issue
    UNCHANGED = "unchanged"  # the statement in force already says this
    NOTHING = "nothing"  # nothing to settle (lost, or no amount)
    REVERSED = "reversed"  # refunded or cancelled: the reverse signal, sent with it, does the rest
    BLOCKED = "blocked"  # the deal cannot be settled as reported; see reason


class PrepareRequest(BaseModel):
    deal_id: str
    revision: int


class Plan(BaseModel):
    kind: PlanKind
    deal_id: str
    revision: int = 0
    statement_id: UUID | None = None
    needs_approval: bool = False
    approver_role: str = "finance"
    approval_deadline_hours: int = 72
    approval_reminder_hours_before: int = 24
    reason: str = ""


class TaskRef(BaseModel):
    """An approval task as the workflow defines it; the inbox learns of it from TaskOpened."""

    task_id: str
    statement_id: UUID
    level: int
    role: str
    choices: list[str]
    due_at: datetime

    @classmethod
    def approval(cls, plan: Plan, statement_id: UUID, level: int, due_at: datetime) -> TaskRef:
        return cls(
            task_id=f"settlement-{plan.deal_id}-r{plan.revision}-l{level}",
            statement_id=statement_id,
            level=level,
            role=plan.approver_role,
            choices=[APPROVE, REJECT],
            due_at=due_at,
        )


class ReminderRequest(BaseModel):
    task: TaskRef
    overdue: bool


class EscalateRequest(BaseModel):
    task: TaskRef
    successor: TaskRef


class ConcludeRequest(BaseModel):
    task: TaskRef
    choice: str
    decided_by: str
    reason: str
    details: dict[str, Any] = {}


class WithdrawRequest(BaseModel):
    statement_id: UUID
    task: TaskRef | None
    reason: str


class IssueRequest(BaseModel):
    statement_id: UUID
    approved_by: str | None
    replaces_statement_id: UUID | None


class ReverseRequest(BaseModel):
    statement_id: UUID
    reason: str


class SettlementState(BaseModel):
    """What the workflow is doing now, for queries."""

    stage: str
    revision: int
    open_task_id: str | None
    issued_statement_id: UUID | None
