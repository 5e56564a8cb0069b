"""The protection period of one lock: reminders, extensions, follow-up, transfer, and expiry that frees the customer.

The workflow owns the lock's timeline; its activities write each change to registration's database
and outbox. Every timer is recomputed from ``workflow.now()`` after anything changes, so a moved
expiry simply reschedules the next wake-up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TypeVar
from uuid import NAMESPACE_URL, uuid5

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from referee_shared.events.tasks import TaskDecision
    from referee_shared.tasks import OpenTask, Wording
    from referee_shared.tasks.desk import TaskDesk, wait_until

    from ..domain.protection import ExtensionRefused, check_extension, follow_up_expiry, next_reminder
    from .activities import LockActivities
    from .models import (
        EXTENSION_CHOICES,
        EXTENSION_DECIDERS,
        ExtensionClosed,
        ExtensionOpened,
        ExtensionRequest,
        ExtensionTicket,
        FollowUp,
        LockEnded,
        LockEnding,
        LockExtended,
        LockInput,
        LockProgress,
        LockReminder,
        LockTransferred,
        PendingExtension,
        TransferOrder,
    )

LOCK_WORKFLOW_TYPE = "LeadLock"
ACTIVITY_TIMEOUT = timedelta(seconds=30)
WORDING = Wording(
    choice="choice {choice!r} is not one of {choices}", role="role {role!r} may not decide lock extensions"
)
A = TypeVar("A")


@workflow.defn(name=LOCK_WORKFLOW_TYPE)
class LeadLockWorkflow:
    @workflow.init
    def __init__(self, lock: LockInput) -> None:
        self._lock = lock
        self._state = lock.progress or LockProgress(
            lead_id=lock.lead_id,
            partner_id=lock.partner_id,
            starts_at=lock.starts_at,
            expires_at=lock.expires_at,
            reminders_armed_at=lock.starts_at,
        )
        self._ending: LockEnding | None = None
        self._woken = False
        self._acting = asyncio.Lock()  # one activity at a time, so the database sees changes in order
        self._desk = TaskDesk("lock", WORDING)
        if self._state.pending is not None:  # carried over a continue-as-new
            self._desk.open(_extension_task(self._state.pending))

    @workflow.run
    async def run(self, lock: LockInput) -> str:
        state, rules = self._state, lock.protection
        while self._ending is None:
            now = workflow.now()
            if now >= state.expires_at:
                await workflow.wait_condition(workflow.all_handlers_finished)
                if self._ending is None and workflow.now() >= state.expires_at:  # no handler moved it meanwhile
                    await self._close_extension("withdrawn", None, "the protection period ended first")
                    await self._act(
                        LockActivities.end_lock,
                        LockEnded(lock_id=lock.lock_id, change="expired", at=now, reason="protection period ended"),
                    )
                    return "expired"
                continue
            if state.pending and now >= state.pending.due_at:
                await self._close_extension("expired", None, "no reviewer decided before the deadline")
                continue
            reminder = next_reminder(
                rules.reminder_days_before,
                expires_at=state.expires_at,
                armed_at=state.reminders_armed_at,
                sent=state.reminders_sent,
            )
            if reminder and now >= reminder.at:
                state.reminders_sent.append(reminder.days_before)
                await self._act(
                    LockActivities.remind_lock,
                    LockReminder(
                        lock_id=lock.lock_id, days_before=reminder.days_before, expires_at=state.expires_at, at=now
                    ),
                )
                continue
            if self._history_is_long():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(lock.model_copy(update={"progress": state}))
            moments = [
                state.expires_at,
                *([reminder.at] if reminder else []),
                *([state.pending.due_at] if state.pending else []),
            ]
            wake = min(moments)
            self._woken = False
            await wait_until(lambda: self._woken or self._ending is not None, wake)
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._close_extension("withdrawn", None, f"the lock ended: {self._ending.reason}")
        return self._ending.change

    @workflow.query
    def expires_at(self) -> str:
        return self._state.expires_at.isoformat()

    @workflow.query
    def progress(self) -> LockProgress:
        return self._state

    @workflow.signal
    def end(self, ending: LockEnding) -> None:
        """Registration recorded the lock's end (won, lost, withdrawn): stop keeping time for it."""
        self._ending = self._ending or ending

    @workflow.signal
    async def follow_up(self, activity: FollowUp) -> None:
        state = self._state
        later = follow_up_expiry(
            self._lock.protection.follow_up,
            kind=activity.kind,
            at=activity.at,
            starts_at=state.starts_at,
            expires_at=state.expires_at,
        )
        if later is None or self._ending is not None:
            return
        self._set_expiry(later)
        reason = f"follow-up ({activity.kind}) at {activity.at.isoformat()} keeps the customer protected"
        await self._act(
            LockActivities.extend_lock,
            LockExtended(
                lock_id=self._lock.lock_id,
                expires_at=later,
                at=workflow.now(),
                reason=reason,
                activity_id=activity.activity_id,
            ),
        )

    @workflow.update
    async def request_extension(self, request: ExtensionRequest) -> ExtensionTicket:
        state, now = self._state, workflow.now()
        state.extensions_requested += 1
        task_id = f"ext-{self._lock.lock_id}-{state.extensions_requested}"
        due_at = now + timedelta(hours=self._lock.protection.extension.review_deadline_hours)
        state.pending = PendingExtension(
            task_id=task_id, days=request.days, due_at=due_at, requested_by=request.requested_by
        )
        self._desk.open(_extension_task(state.pending))
        self._woken = True
        opened = ExtensionOpened(
            lock_id=self._lock.lock_id,
            task_id=task_id,
            workflow_id=workflow.info().workflow_id,
            days=request.days,
            reason=request.reason,
            requested_by=request.requested_by,
            due_at=due_at,
            at=now,
            requested_expires_at=state.expires_at + timedelta(days=request.days),
        )
        await self._act(LockActivities.open_extension, opened)
        return ExtensionTicket(task_id=task_id, due_at=due_at)

    @request_extension.validator
    def _extension_allowed(self, request: ExtensionRequest) -> None:
        if self._ending is not None:
            raise ApplicationError("the lock has ended", type="ExtensionRefused", non_retryable=True)
        state = self._state
        pending = state.pending.task_id if state.pending else None
        try:
            check_extension(
                self._lock.protection.extension,
                granted=state.extensions_granted,
                pending_task=pending,
                days=request.days,
            )
        except ExtensionRefused as exc:
            raise ApplicationError(str(exc), type="ExtensionRefused", non_retryable=True) from exc

    @workflow.update  # named "decide" (DECIDE), as every task in the inbox says
    async def decide(self, decision: TaskDecision) -> str:
        """The shared inbox's decision on the pending extension request: approve or deny."""
        state = self._state
        assert state.pending is not None  # the validator admitted only the pending task
        self._desk.accept(decision)
        new_expiry = None
        if decision.choice == "approve":
            new_expiry = state.expires_at + timedelta(days=state.pending.days)
            state.extensions_granted += 1
            self._set_expiry(new_expiry)
        await self._close_extension(decision.choice, decision.decided_by, decision.reason, new_expiry)
        return decision.choice

    @decide.validator
    def _decision_admissible(self, decision: TaskDecision) -> None:
        self._desk.check(decision)

    @workflow.update
    async def transfer(self, order: TransferOrder) -> str:
        """An arbitration ruling hands the customer to another partner, with a fresh protection period."""
        state, now, dispute = self._state, workflow.now(), str(order.dispute_id)
        if dispute in state.rulings_applied:  # a repeated ruling changes nothing
            return state.rulings_applied[dispute]
        await self._close_extension("withdrawn", None, "the lock was transferred by an arbitration ruling")
        previous_lead = state.lead_id
        new_lead = uuid5(NAMESPACE_URL, f"referee:transfer:{dispute}")
        state.lead_id, state.partner_id, state.starts_at, state.extensions_granted = (
            new_lead,
            order.new_holder_id,
            now,
            0,
        )
        state.rulings_applied[dispute] = str(new_lead)
        expires_at = now + timedelta(days=self._lock.protection.period_days)
        self._set_expiry(expires_at)
        transferred = LockTransferred(
            lock_id=self._lock.lock_id,
            dispute_id=order.dispute_id,
            previous_lead_id=previous_lead,
            new_lead_id=new_lead,
            new_holder_id=order.new_holder_id,
            reason=order.reason,
            decided_by=order.decided_by,
            at=now,
            expires_at=expires_at,
        )
        await self._act(LockActivities.transfer_lock, transferred)
        return str(new_lead)

    @transfer.validator
    def _transfer_admissible(self, order: TransferOrder) -> None:
        if str(order.dispute_id) in self._state.rulings_applied:
            return
        if self._ending is not None:
            raise ApplicationError(f"the lock has ended ({self._ending.change})", non_retryable=True)
        if order.new_holder_id == self._state.partner_id:
            raise ApplicationError(f"{order.new_holder_id} already holds this lock", non_retryable=True)

    def _set_expiry(self, expires_at: datetime) -> None:
        self._state.expires_at = expires_at
        self._state.reminders_armed_at = workflow.now()
        self._state.reminders_sent = []
        self._woken = True

    async def _close_extension(
        self, outcome: str, decided_by: str | None, reason: str, expires_at: datetime | None = None
    ) -> None:
        pending, self._state.pending = self._state.pending, None
        self._desk.take()
        if pending is None:
            return
        self._woken = True
        closed = ExtensionClosed(
            lock_id=self._lock.lock_id,
            task_id=pending.task_id,
            outcome=outcome,
            decided_by=decided_by,
            reason=reason,
            at=workflow.now(),
            expires_at=expires_at,
        )
        await self._act(LockActivities.close_extension, closed)

    async def _act(self, activity: Callable[[LockActivities, A], Awaitable[None]], argument: A) -> None:
        async with self._acting:
            await workflow.execute_activity_method(activity, argument, start_to_close_timeout=ACTIVITY_TIMEOUT)

    def _history_is_long(self) -> bool:
        info = workflow.info()
        return info.is_continue_as_new_suggested() or info.get_current_history_length() >= self._lock.history_limit


def _extension_task(pending: PendingExtension) -> OpenTask:
    return OpenTask(pending.task_id, EXTENSION_CHOICES, EXTENSION_DECIDERS, due_at=pending.due_at)
