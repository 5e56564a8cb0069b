"""The inbox over HTTP: reviewers, arbiters and finance list their tasks and decide them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from referee_shared.auth import Principal, Role, require
from referee_shared.events.task_details import details_by_kind_schema
from referee_shared.events.tasks import TaskKind
from referee_shared.reasons import TASK_CLOSING_OUTCOMES, statuses

from .store import InboxTask
from .usecases import Inbox, TaskRefused


class TaskView(BaseModel):
    model_config = ConfigDict(json_schema_extra=lambda schema: schema.update(details_by_kind_schema()))

    task_id: str
    kind: str = Field(
        json_schema_extra=statuses(
            tuple(k.value for k in TaskKind), "which flow's task; it decides the shape of details"
        )
    )
    title: str
    role: str
    level: int
    choices: list[str]
    details: dict[str, Any]
    due_at: datetime | None
    region: str | None
    opened_at: datetime
    reminded_at: datetime | None
    overdue: bool
    status: str = Field(json_schema_extra=statuses(("open", "closed"), "open until decided, escalated or expired"))
    outcome: str | None = Field(
        description="one of the task's choices, or " + ", ".join(TASK_CLOSING_OUTCOMES) + "; null while open"
    )
    decided_by: str | None
    reason: str | None

    @classmethod
    def of(cls, task: InboxTask) -> TaskView:
        return cls.model_validate(task, from_attributes=True)


class DecisionRequest(BaseModel):
    choice: str = Field(min_length=1)
    reason: str = Field(min_length=1, max_length=4000, description="always required: the written reason")


class DecisionResult(BaseModel):
    task_id: str
    choice: str
    result: str


# Module level: FastAPI resolves these annotations by name (postponed evaluation).
Staff = Annotated[Principal, Depends(require(Role.REVIEWER, Role.ARBITER, Role.FINANCE))]


def build_router(inbox: Inbox) -> APIRouter:
    router = APIRouter(prefix="/inbox", tags=["inbox"])

    @router.get("", summary="Your tasks across every workflow, earliest deadline first")
    async def listing(
        principal: Staff,
        status: Annotated[str | None, Query(pattern="^(open|closed)$")] = "open",
        kind: str | None = None,
    ) -> list[TaskView]:
        return [TaskView.of(t) for t in await inbox.tasks_for(principal, status=status, kind=kind)]

    @router.get("/{task_id}", summary="One task with everything the decision needs")
    async def one(task_id: str, principal: Staff) -> TaskView:
        try:
            return TaskView.of(await inbox.task(principal, task_id))
        except TaskRefused as exc:
            raise HTTPException(exc.status, exc.reason) from exc

    @router.post("/{task_id}/decision", summary="Decide a task: one of its choices, with a reason")
    async def decide(task_id: str, request: DecisionRequest, principal: Staff) -> DecisionResult:
        try:
            result = await inbox.decide(principal, task_id, request.choice, request.reason)
        except TaskRefused as exc:
            raise HTTPException(exc.status, exc.reason) from exc
        return DecisionResult(task_id=task_id, choice=request.choice, result=result)

    return router
