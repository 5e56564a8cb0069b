"""Activities of the settlement workflow: each is one step of ``Statements`` on settlement's database."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from temporalio import activity

from .models import (
    ConcludeRequest,
    EscalateRequest,
    IssueRequest,
    Plan,
    PrepareRequest,
    ReminderRequest,
    ReverseRequest,
    TaskRef,
    WithdrawRequest,
)

if TYPE_CHECKING:
    from .steps import Statements


class SettlementActivities:
    def __init__(self, statements: Statements) -> None:
        self._statements = statements

    @activity.defn(name="settlement.prepare")
    async def prepare(self, request: PrepareRequest) -> Plan:
        return await self._statements.prepare(request)

    @activity.defn(name="settlement.open_task")
    async def open_task(self, task: TaskRef) -> None:
        await self._statements.open_task(task)

    @activity.defn(name="settlement.remind")
    async def remind(self, request: ReminderRequest) -> None:
        await self._statements.remind(request)

    @activity.defn(name="settlement.escalate")
    async def escalate(self, request: EscalateRequest) -> None:
        await self._statements.escalate(request)

    @activity.defn(name="settlement.conclude")
    async def conclude(self, request: ConcludeRequest) -> None:
        await self._statements.conclude(request)

    @activity.defn(name="settlement.withdraw")
    async def withdraw(self, request: WithdrawRequest) -> None:
        await self._statements.withdraw(request)

    @activity.defn(name="settlement.issue")
    async def issue(self, request: IssueRequest) -> bool:
        return await self._statements.issue(request)

    @activity.defn(name="settlement.reverse")
    async def reverse(self, request: ReverseRequest) -> None:
        await self._statements.reverse(request)

    def all(self) -> list[Callable[..., Any]]:
        return [
            self.prepare,
            self.open_task,
            self.remind,
            self.escalate,
            self.conclude,
            self.withdraw,
            self.issue,
            self.reverse,
        ]
