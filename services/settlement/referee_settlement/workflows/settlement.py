"""The settlement of one deal: statement, finance approval, issue; then corrections and a reversal.

One workflow per deal (id from the deal id), so however often a deal is reported it is settled by one
actor. Signals say the deal changed (``revise``) or was refunded or cancelled (``reverse``); finance
decides on the approval task through the ``decide`` update, as the shared inbox calls it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from pydantic import TypeAdapter, ValidationError

    from referee_shared.events.common import PartyId
    from referee_shared.events.tasks import TaskDecision
    from referee_shared.tasks import ADMIN, OpenTask, Wording
    from referee_shared.tasks.desk import TaskDesk, wait_until

    from .activities import SettlementActivities as Steps
    from .models import (
        APPROVE,
        ConcludeRequest,
        DealReversal,
        DealRevised,
        EscalateRequest,
        IssueRequest,
        Plan,
        PlanKind,
        PrepareRequest,
        ReminderRequest,
        ReverseRequest,
        SettlementStart,
        SettlementState,
        TaskRef,
        WithdrawRequest,
    )

STEP_TIMEOUT = timedelta(seconds=30)
LAST_LEVEL = 2  # HQ finance: past its deadline the task stays open, money is never approved by a timer
APPROVER = TypeAdapter(PartyId)  # statements name their approver as a party id
WORDING = Wording(decided="task {task_id} is not open on this settlement")


@workflow.defn(name="Settlement")
class SettlementWorkflow:
    def __init__(self) -> None:
        self._revision, self._reason = 0, ""
        self._reversal: DealReversal | None = None
        self._desk = TaskDesk("settlement", WORDING)
        self._issued: UUID | None = None
        self._stage = "starting"

    @workflow.run
    async def run(self, start: SettlementStart) -> str:
        self._revision = max(self._revision, start.revision)
        settled = 0
        while True:
            await workflow.wait_condition(lambda: self._changed_since(settled))  # noqa: B023 (fixed while waiting)
            if self._reversal is not None:
                if self._issued is not None:
                    why = f"{self._reversal.kind}: {self._reversal.reason}"
                    await self._step(Steps.reverse, ReverseRequest(statement_id=self._issued, reason=why))
                self._stage = "reversed"
                return self._stage
            settled = self._revision
            plan: Plan = await self._step(Steps.prepare, PrepareRequest(deal_id=start.deal_id, revision=settled))
            self._stage = plan.kind.value
            if plan.kind is PlanKind.NOTHING and self._issued is not None:
                why = f"nothing to settle any more: {plan.reason}"
                await self._step(Steps.reverse, ReverseRequest(statement_id=self._issued, reason=why))
                self._issued = None
            if plan.kind is not PlanKind.DRAFT or plan.statement_id is None:
                continue
            approved_by = None
            if plan.needs_approval:
                approved_by = await self._approval(plan, plan.statement_id)
                if approved_by is None:
                    continue
            if self._changed_since(settled):
                why = "the deal changed before issue"
                await self._step(Steps.withdraw, WithdrawRequest(statement_id=plan.statement_id, task=None, reason=why))
                continue
            issue = IssueRequest(
                statement_id=plan.statement_id, approved_by=approved_by, replaces_statement_id=self._issued
            )
            if await self._step(Steps.issue, issue):
                self._issued, self._stage = plan.statement_id, "issued"

    async def _approval(self, plan: Plan, statement_id: UUID) -> str | None:
        """Who approved the statement; None if finance rejected it or the deal changed meanwhile."""
        revision, self._stage = self._revision, "awaiting_approval"
        deadline = timedelta(hours=plan.approval_deadline_hours)
        reminder = timedelta(hours=plan.approval_reminder_hours_before)

        def settled_or_changed() -> bool:
            return self._desk.decided or self._changed_since(revision)

        # Decisions are accepted from the moment the task is defined: the inbox may hear of it (the
        # outbox publishes on commit) before this workflow hears that the step announcing it finished.
        task = self._open(TaskRef.approval(plan, statement_id, 1, workflow.now() + deadline))
        await self._step(Steps.open_task, task)
        while not await wait_until(settled_or_changed, task.due_at - reminder):
            await self._step(Steps.remind, ReminderRequest(task=task, overdue=False))
            if await wait_until(settled_or_changed, task.due_at):
                break
            if task.level == LAST_LEVEL:
                await self._step(Steps.remind, ReminderRequest(task=task, overdue=True))
                await workflow.wait_condition(settled_or_changed)
                break
            successor = self._open(TaskRef.approval(plan, statement_id, task.level + 1, workflow.now() + deadline))
            await self._step(Steps.escalate, EscalateRequest(task=task, successor=successor))
            task = successor
        _, decision = self._desk.take()
        if decision is None:
            why = "the deal was reversed" if self._reversal else f"the deal changed: {self._reason}"
            await self._step(Steps.withdraw, WithdrawRequest(statement_id=statement_id, task=task, reason=why))
            self._stage = "withdrawn"
            return None
        conclude = ConcludeRequest(
            task=task, choice=decision.choice, decided_by=decision.decided_by, reason=decision.reason
        )
        await self._step(Steps.conclude, conclude)
        self._stage = "approved" if decision.choice == APPROVE else "rejected"
        return decision.decided_by if decision.choice == APPROVE else None

    def _open(self, task: TaskRef) -> TaskRef:
        self._desk.open(OpenTask(task.task_id, task.choices, (task.role, ADMIN), level=task.level, due_at=task.due_at))
        return task

    def _changed_since(self, revision: int) -> bool:
        return self._reversal is not None or self._revision > revision

    async def _step(self, step: Callable[..., Any], argument: Any) -> Any:
        return await workflow.execute_activity_method(step, argument, start_to_close_timeout=STEP_TIMEOUT)

    @workflow.signal
    def revise(self, change: DealRevised) -> None:
        if change.revision > self._revision:
            self._revision, self._reason = change.revision, change.reason

    @workflow.signal
    def reverse(self, reversal: DealReversal) -> None:
        self._reversal = self._reversal or reversal

    @workflow.update  # named "decide" (DECIDE), as every task in the inbox says
    def decide(self, decision: TaskDecision) -> str:
        self._desk.accept(decision)
        return decision.choice

    @decide.validator
    def _decision_is_allowed(self, decision: TaskDecision) -> None:
        self._desk.check(decision)
        try:
            APPROVER.validate_python(decision.decided_by)
        except ValidationError:
            raise ValueError(
                f"approver {decision.decided_by!r} cannot be named on a statement: use letters, digits, _ . : -"
            ) from None

    @workflow.query
    def state(self) -> SettlementState:
        return SettlementState(
            stage=self._stage,
            revision=self._revision,
            open_task_id=self._desk.task.task_id if self._desk.task else None,
            issued_statement_id=self._issued,
        )
