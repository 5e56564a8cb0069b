"""A crash between a commit and its call to Temporal leaves nothing behind (issue 12), through the real stack.

A withdrawal commits, then signals the lock workflow: when the signal is lost (the process dies, Temporal is
away), the lock reconciler tells the workflow. An accepted lead's workflow starts before the acceptance is
written: if the write fails after the start, the verdict is read again and its start joins the very same
workflow (never a second one), and the reconciler leaves a workflow alone while its lead awaits the verdict;
a workflow whose lead can no longer be accepted is ended.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowExecutionStatus

from referee_registration.store import Lock
from referee_registration.usecases import RegistrationUseCases, SalesProgress
from referee_registration.usecases.reconcile import LockReconciler, Reconciled
from referee_registration.workflows.client import TemporalLockScheduler, TemporalRunningLocks
from referee_registration.workflows.models import LOCK_WORKFLOW_KIND, LockEnding, LockInput, lock_id_for
from referee_shared.events.common import Channel
from referee_shared.events.leads import DecisionOutcome, LeadSubmitted
from referee_shared.runtime import ServiceRuntime
from referee_shared.topics import LEADS_DECISIONS, LEADS_SUBMITTED

from ..builders import customer, envelope, make_uscc, submission
from ..stack import Stack, new_prefix

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def stack(infrastructure: None) -> AsyncIterator[Stack]:
    # The service's own reconciler is off: each test runs its passes itself, when it means to.
    stack = Stack(
        new_prefix("reconcile"),
        dict.fromkeys(("registration", "dedup", "qualification"), 1),
        service_overrides={"registration": {"lock_reconcile_seconds": 0}},
    )
    await stack.start()
    yield stack
    await stack.stop()


def registration(stack: Stack) -> tuple[ServiceRuntime, RegistrationUseCases]:
    return stack.runtimes["registration"][0], stack.services["registration"][0]


def scheduler(stack: Stack) -> TemporalLockScheduler:
    runtime, _ = registration(stack)
    return TemporalLockScheduler(lambda: runtime.temporal, runtime.settings.task_queue())


def reconciler(stack: Stack) -> LockReconciler:
    runtime, _ = registration(stack)
    prefix = runtime.settings.workflow_id(LOCK_WORKFLOW_KIND, "")
    running = TemporalRunningLocks(lambda: runtime.temporal, prefix)
    return LockReconciler(
        runtime.transactions, scheduler(stack), running, workflow_id_prefix=prefix, grace=timedelta(0)
    )


async def reconciled(stack: Stack) -> Reconciled:
    await asyncio.sleep(1.5)  # Temporal's list sees a start a moment after it
    return await reconciler(stack).reconcile()


def workflow_of(stack: Stack, lead_id: uuid.UUID) -> str:
    return stack.settings("registration").workflow_id(LOCK_WORKFLOW_KIND, lead_id)


async def status_of(stack: Stack, workflow_id: str) -> WorkflowExecutionStatus | None:
    assert stack.temporal is not None
    return (await stack.temporal.get_workflow_handle(workflow_id).describe()).status


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 30) -> None:
    for _ in range(int(seconds * 10)):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {seconds} s")


def lead_for(name: str, partner: str = "dealer-reconcile", product_line: str = "tiles") -> LeadSubmitted:
    who = customer(name, uscc=make_uscc(uuid.uuid4().int % 10**9))
    return submission(partner, who=who, product_line=product_line, channel=Channel.DEALER, amount="80000")


async def decided(stack: Stack, lead: LeadSubmitted) -> DecisionOutcome:
    await stack.publish(LEADS_SUBMITTED, envelope(lead), key=str(lead.lead_id))
    [decision] = await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == lead.lead_id, timeout=90)
    outcome: DecisionOutcome = decision.payload.outcome
    return outcome


class SignalLost:
    """The lock workflows as a process sees them that dies right after its commit: the end never reaches them."""

    def __init__(self, real: TemporalLockScheduler) -> None:
        self._real = real

    async def end_lock(self, workflow_id: str, ending: LockEnding) -> None:
        raise ConnectionError("the process died between the commit and the signal")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


async def test_a_withdrawal_whose_signal_was_lost_ends_its_lock_workflow_at_the_next_reconciliation(
    stack: Stack,
) -> None:
    lead = lead_for("杭州对账撤回建材有限公司")
    assert await decided(stack, lead) is DecisionOutcome.ACCEPTED
    workflow_id = workflow_of(stack, lead.lead_id)
    runtime, _ = registration(stack)
    crashing = SalesProgress(runtime.transactions, SignalLost(scheduler(stack)))

    withdrawn = await crashing.withdraw(lead.lead_id, lead.partner_id, actor=lead.partner_id, reason="no budget")

    assert withdrawn.status == "withdrawn"
    assert await status_of(stack, workflow_id) is WorkflowExecutionStatus.RUNNING  # the signal was lost

    passed = await reconciled(stack)

    assert passed.told >= 1
    assert stack.temporal is not None
    assert await stack.temporal.get_workflow_handle(workflow_id).result() == "released"


async def test_a_lock_workflow_whose_lead_was_never_accepted_is_ended_and_a_live_lock_is_left_alone(
    stack: Stack,
) -> None:
    kept = lead_for("杭州对账保留建材有限公司")
    refused = lead_for("杭州对账拒绝建材有限公司", product_line="no-such-line")
    assert await decided(stack, kept) is DecisionOutcome.ACCEPTED
    assert await decided(stack, refused) is DecisionOutcome.REJECTED
    unknown = uuid.uuid4()
    async with registration(stack)[0].transactions.begin() as tx:
        live = await tx.session.get(Lock, lock_id_for(kept.lead_id))
        assert live is not None
        template = LockInput(
            lock_id=lock_id_for(refused.lead_id),
            lead_id=refused.lead_id,
            partner_id=refused.partner_id,
            customer_key="orphan",
            starts_at=live.starts_at,
            expires_at=live.expires_at,
            rule_set=live.rule_set,
            rule_version=live.rule_version,
            protection=registration(stack)[0].rules.get(live.rule_set, live.rule_version).protection,
            region="330100",
        )
    # What a crash between the start and the acceptance leaves when the lead is then decided otherwise (or is
    # not on record at all).
    for lead_id in (refused.lead_id, unknown):
        orphan = template.model_copy(update={"lead_id": lead_id, "lock_id": lock_id_for(lead_id)})
        await scheduler(stack).start_lock(workflow_of(stack, lead_id), orphan)

    passed = await reconciled(stack)

    assert passed.orphans_ended >= 2
    assert stack.temporal is not None
    for lead_id in (refused.lead_id, unknown):
        assert await stack.temporal.get_workflow_handle(workflow_of(stack, lead_id)).result() == "released"
    assert await status_of(stack, workflow_of(stack, kept.lead_id)) is WorkflowExecutionStatus.RUNNING


class DiesAfterStart:
    """The lock workflows as a process sees them that dies right after the start, before writing the acceptance:
    the first start really happens, then the handler fails (the message is read again). Meanwhile a
    reconciliation pass runs, while the lead still awaits its verdict."""

    def __init__(self, real: TemporalLockScheduler, stack: Stack) -> None:
        self._real, self._stack = real, stack
        self.first_run_id: str | None = None
        self.during: Reconciled | None = None
        self.starts = 0

    async def start_lock(self, workflow_id: str, lock: LockInput) -> None:
        self.starts += 1
        await self._real.start_lock(workflow_id, lock)
        if self.starts == 1:
            assert self._stack.temporal is not None
            self.first_run_id = (await self._stack.temporal.get_workflow_handle(workflow_id).describe()).run_id
            self.during = await reconciled(self._stack)
            raise RuntimeError("the process died between the start and the acceptance")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


async def test_a_crash_between_the_start_and_the_acceptance_is_adopted_by_the_redelivered_verdict(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, use_cases = registration(stack)
    dying = DiesAfterStart(scheduler(stack), stack)
    monkeypatch.setattr(use_cases.intake, "_locks", dying)
    lead = lead_for("杭州对账重投建材有限公司")

    assert await decided(stack, lead) is DecisionOutcome.ACCEPTED

    workflow_id = workflow_of(stack, lead.lead_id)
    assert dying.starts == 2  # the verdict was handled twice; the second start joined the first workflow
    assert dying.during is not None
    assert dying.during.orphans_ended == 0
    assert stack.temporal is not None
    description = await stack.temporal.get_workflow_handle(workflow_id).describe()
    assert (description.run_id, description.status) == (dying.first_run_id, WorkflowExecutionStatus.RUNNING)
    async with registration(stack)[0].transactions.begin() as tx:
        lock = await tx.session.get(Lock, lock_id_for(lead.lead_id))
        assert lock is not None
        assert (lock.status, lock.workflow_id) == ("active", workflow_id)
    decisions = [e for e in stack.all_events(LEADS_DECISIONS) if e.payload.lead_id == lead.lead_id]
    assert len(decisions) == 1
    assert (await reconciled(stack)).orphans_ended == 0
