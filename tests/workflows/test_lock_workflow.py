"""The lock workflow's timelines on Temporal's time-skipping test server: months pass in milliseconds.

The workflow runs for real; its activities are recorded here, so each test reads what the workflow
decided and when. tests/workflows/test_lock_expiry_reregistration.py runs it with the real activities.
Longer than most modules because it is one workflow's whole life (reminders, extensions, transfers,
expiry) over one recording harness; splitting it would scatter the timeline.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from referee_registration.workflows.lead_lock import LeadLockWorkflow
from referee_registration.workflows.models import (
    ExtensionClosed,
    ExtensionOpened,
    ExtensionRequest,
    FollowUp,
    LockEnded,
    LockEnding,
    LockExtended,
    LockInput,
    LockReminder,
    LockTransferred,
    TransferOrder,
)
from referee_shared.events.tasks import TaskDecision
from referee_shared.rules.protection import ExtensionPolicy, FollowUpPolicy, ProtectionRules

DAY = timedelta(days=1)


@dataclass
class Recorded:
    """What the workflow asked its activities to record, in order."""

    calls: list[tuple[str, Any]] = field(default_factory=list)

    def of(self, name: str) -> list[Any]:
        return [argument for called, argument in self.calls if called == name]

    def activities(self) -> list[Any]:
        @activity.defn(name="end_lock")
        async def end_lock(ended: LockEnded) -> None:
            self.calls.append(("end_lock", ended))

        @activity.defn(name="remind_lock")
        async def remind_lock(reminder: LockReminder) -> None:
            self.calls.append(("remind_lock", reminder))

        @activity.defn(name="extend_lock")
        async def extend_lock(extended: LockExtended) -> None:
            self.calls.append(("extend_lock", extended))

        @activity.defn(name="open_extension")
        async def open_extension(opened: ExtensionOpened) -> None:
            self.calls.append(("open_extension", opened))

        @activity.defn(name="close_extension")
        async def close_extension(closed: ExtensionClosed) -> None:
            self.calls.append(("close_extension", closed))

        @activity.defn(name="transfer_lock")
        async def transfer_lock(transferred: LockTransferred) -> None:
            self.calls.append(("transfer_lock", transferred))

        return [end_lock, remind_lock, extend_lock, open_extension, close_extension, transfer_lock]


@pytest.fixture
async def recorded(time_skipping: WorkflowEnvironment) -> AsyncIterator[tuple[Recorded, str]]:
    record, queue = Recorded(), f"lock-test-{uuid.uuid4().hex[:8]}"
    async with Worker(
        time_skipping.client, task_queue=queue, workflows=[LeadLockWorkflow], activities=record.activities()
    ):
        yield record, queue


def protection(**overrides: Any) -> ProtectionRules:
    defaults: dict[str, Any] = {
        "period_days": 90,
        "reminder_days_before": [],
        "extension": ExtensionPolicy(max_extensions=1, max_days_each=30, review_deadline_hours=48),
        "follow_up": FollowUpPolicy(enabled=False),
    }
    return ProtectionRules(**{**defaults, **overrides})


async def start(
    time_skipping: WorkflowEnvironment, queue: str, rules: ProtectionRules, **extra: Any
) -> tuple[WorkflowHandle[LeadLockWorkflow, str], LockInput]:
    now = await time_skipping.get_current_time()
    lock = LockInput(
        lock_id=uuid.uuid4(),
        lead_id=uuid.uuid4(),
        partner_id="dealer-hangzhou",
        customer_key=f"cust-{uuid.uuid4()}",
        starts_at=now,
        expires_at=now + timedelta(days=rules.period_days),
        rule_set="building-materials",
        rule_version=1,
        protection=rules,
        **extra,
    )
    handle = await time_skipping.client.start_workflow(
        LeadLockWorkflow.run, lock, id=f"lead-lock-{lock.lead_id}", task_queue=queue
    )
    return handle, lock


def decision(task_id: str, choice: str, *, role: str = "reviewer") -> TaskDecision:
    return TaskDecision(
        task_id=task_id, choice=choice, reason="visited twice, tender in May", decided_by="li.reviewer", role=role
    )


async def decide(handle: WorkflowHandle[LeadLockWorkflow, str], task: TaskDecision) -> str:
    """As the shared inbox does it: the update named in the task, by name."""
    result: str = await handle.execute_update("decide", task, result_type=str)
    return result


def close_to(moment: datetime, expected: datetime) -> bool:
    return abs(moment - expected) < timedelta(seconds=5)


async def test_lock_expires_after_ninety_days_and_the_expiry_is_recorded(
    time_skipping: WorkflowEnvironment, recorded: tuple[Recorded, str]
) -> None:
    record, queue = recorded
    handle, lock = await start(time_skipping, queue, protection())

    assert await handle.result() == "expired"

    [ended] = record.of("end_lock")
    assert ended.change == "expired"
    assert close_to(ended.at, lock.starts_at + 90 * DAY)
    assert await time_skipping.get_current_time() >= lock.expires_at


async def test_reminders_are_sent_the_rule_s_days_before_expiry(
    time_skipping: WorkflowEnvironment, recorded: tuple[Recorded, str]
) -> None:
    record, queue = recorded
    handle, lock = await start(time_skipping, queue, protection(reminder_days_before=[14, 3]))

    await handle.result()

    reminders = record.of("remind_lock")
    assert [r.days_before for r in reminders] == [14, 3]
    assert close_to(reminders[0].at, lock.expires_at - 14 * DAY)
    assert close_to(reminders[1].at, lock.expires_at - 3 * DAY)
    assert [name for name, _ in record.calls] == ["remind_lock", "remind_lock", "end_lock"]


async def test_extension_approved_by_a_reviewer_moves_expiry_and_reminders(
    time_skipping: WorkflowEnvironment, recorded: tuple[Recorded, str]
) -> None:
    record, queue = recorded
    handle, lock = await start(time_skipping, queue, protection(reminder_days_before=[7]))
    await time_skipping.sleep(80 * DAY)

    ticket = await handle.execute_update(
        LeadLockWorkflow.request_extension,
        ExtensionRequest(days=30, reason="tender in May", requested_by="dealer-hangzhou"),
    )
    [opened] = record.of("open_extension")
    assert opened.task_id == ticket.task_id
    assert close_to(ticket.due_at, lock.starts_at + 80 * DAY + timedelta(hours=48))
    assert close_to(opened.requested_expires_at, lock.expires_at + 30 * DAY)

    assert await decide(handle, decision(ticket.task_id, "approve")) == "approve"
    [closed] = record.of("close_extension")
    assert closed.outcome == "approve"
    assert closed.decided_by == "li.reviewer"
    assert closed.expires_at == lock.expires_at + 30 * DAY
    progress = await handle.query(LeadLockWorkflow.progress)
    assert progress.extensions_granted == 1
    assert progress.pending is None

    assert await handle.result() == "expired"
    [ended] = record.of("end_lock")
    assert close_to(ended.at, lock.expires_at + 30 * DAY)
    [reminder] = record.of("remind_lock")  # the 7-day reminder of the old expiry had not come yet
    assert close_to(reminder.at, lock.expires_at + 23 * DAY)


async def test_extension_denied_keeps_the_expiry_and_closes_the_task_with_the_reason(
    time_skipping: WorkflowEnvironment, recorded: tuple[Recorded, str]
) -> None:
    record, queue = recorded
    handle, lock = await start(time_skipping, queue, protection())
    ticket = await handle.execute_update(
        LeadLockWorkflow.request_extension,
        ExtensionRequest(days=10, reason="need more time", requested_by="dealer-hangzhou"),
    )

    assert await decide(handle, decision(ticket.task_id, "deny")) == "deny"

    [closed] = record.of("close_extension")
    assert (closed.outcome, closed.reason, closed.expires_at) == ("deny", "visited twice, tender in May", None)
    assert await handle.result() == "expired"
    assert close_to(record.of("end_lock")[0].at, lock.expires_at)


async def test_requests_and_decisions_the_rule_does_not_allow_are_refused_by_the_validators(
    time_skipping: WorkflowEnvironment, recorded: tuple[Recorded, str]
) -> None:
    record, queue = recorded
    handle, _ = await start(time_skipping, queue, protection())

    async def refusal(update: Any, argument: Any) -> str:
        with pytest.raises(WorkflowUpdateFailedError) as failed:
            await handle.execute_update(update, argument)
        return str(failed.value.cause)

    ask = ExtensionRequest(days=31, reason="long", requested_by="dealer-hangzhou")
    assert "at most 30 days" in await refusal(LeadLockWorkflow.request_extension, ask)
    ticket = await handle.execute_update(LeadLockWorkflow.request_extension, ask.model_copy(update={"days": 30}))
    assert "already waiting for a reviewer" in await refusal(LeadLockWorkflow.request_extension, ask)
    assert "not open on this lock" in await refusal("decide", decision("ext-unknown", "approve"))
    assert "not one of approve, deny" in await refusal("decide", decision(ticket.task_id, "maybe"))
    assert "may not decide" in await refusal("decide", decision(ticket.task_id, "approve", role="partner"))
    await decide(handle, decision(ticket.task_id, "approve"))
    assert "1 of the 1 extensions" in await refusal(
        LeadLockWorkflow.request_extension, ask.model_copy(update={"days": 5})
    )

    assert len(record.of("open_extension")) == 1
    assert len(record.of("close_extension")) == 1
    await handle.terminate()


async def test_an_extension_request_nobody_decides_lapses_at_the_review_deadline(
    time_skipping: WorkflowEnvironment, recorded: tuple[Recorded, str]
) -> None:
    record, queue = recorded
    handle, lock = await start(time_skipping, queue, protection())
    ticket = await handle.execute_update(
        LeadLockWorkflow.request_extension, ExtensionRequest(days=10, reason="tender", requested_by="dealer-hangzhou")
    )

    assert await handle.result() == "expired"

    [closed, *_] = record.of("close_extension")
    assert closed.outcome == "expired"
    assert close_to(closed.at, ticket.due_at)
    assert close_to(record.of("end_lock")[0].at, lock.expires_at)


async def test_follow_ups_keep_the_lock_alive_until_the_rule_s_maximum(
    time_skipping: WorkflowEnvironment, recorded: tuple[Recorded, str]
) -> None:
    record, queue = recorded
    rules = protection(
        follow_up=FollowUpPolicy(enabled=True, activity_kinds=["visit"], extend_days=30, max_total_days=180)
    )
    handle, lock = await start(time_skipping, queue, rules)

    async def activity_on(day: int, kind: str = "visit") -> None:
        await time_skipping.sleep(lock.starts_at + day * DAY - await time_skipping.get_current_time())
        await handle.signal(
            LeadLockWorkflow.follow_up,
            FollowUp(activity_id=uuid.uuid4(), kind=kind, at=await time_skipping.get_current_time()),
        )

    await activity_on(80)  # -> day 110
    await activity_on(85, kind="call")  # a call does not count under this rule
    await activity_on(100)  # -> day 130
    await activity_on(125)  # -> day 155
    await activity_on(150)  # -> day 180, the cap
    await activity_on(170)  # would be day 200: capped, nothing changes

    assert await handle.result() == "expired"
    expiries = [(e.expires_at - lock.starts_at).days for e in record.of("extend_lock")]
    assert expiries == [110, 130, 155, 180]
    assert close_to(record.of("end_lock")[0].at, lock.starts_at + 180 * DAY)


async def test_a_ruling_transfers_the_lock_with_a_fresh_period_once(
    time_skipping: WorkflowEnvironment, recorded: tuple[Recorded, str]
) -> None:
    record, queue = recorded
    handle, lock = await start(time_skipping, queue, protection())
    await time_skipping.sleep(40 * DAY)
    order = TransferOrder(
        dispute_id=uuid.uuid4(), new_holder_id="dealer-shaoxing", reason="visited first", decided_by="hq.wang"
    )

    new_lead = await handle.execute_update(LeadLockWorkflow.transfer, order)
    assert await handle.execute_update(LeadLockWorkflow.transfer, order) == new_lead  # the same ruling again

    [transferred] = record.of("transfer_lock")
    assert (transferred.previous_lead_id, str(transferred.new_lead_id)) == (lock.lead_id, new_lead)
    assert transferred.new_holder_id == "dealer-shaoxing"
    assert close_to(transferred.expires_at, lock.starts_at + 130 * DAY)
    progress = await handle.query(LeadLockWorkflow.progress)
    assert progress.partner_id == "dealer-shaoxing"
    with pytest.raises(WorkflowUpdateFailedError, match="update failed"):
        await handle.execute_update(LeadLockWorkflow.transfer, order.model_copy(update={"dispute_id": uuid.uuid4()}))
    assert await handle.result() == "expired"
    assert close_to(record.of("end_lock")[0].at, lock.starts_at + 130 * DAY)


async def test_a_won_deal_ends_the_workflow_without_expiring_anything(
    time_skipping: WorkflowEnvironment, recorded: tuple[Recorded, str]
) -> None:
    record, queue = recorded
    handle, _ = await start(time_skipping, queue, protection())
    await time_skipping.sleep(10 * DAY)

    await handle.signal(LeadLockWorkflow.end, LockEnding(change="completed", reason="deal D-1 won"))

    assert await handle.result() == "completed"
    assert record.of("end_lock") == []


async def test_a_long_history_continues_as_new_and_keeps_its_state(
    time_skipping: WorkflowEnvironment, recorded: tuple[Recorded, str]
) -> None:
    record, queue = recorded
    rules = protection(
        follow_up=FollowUpPolicy(enabled=True, activity_kinds=["visit"], extend_days=30, max_total_days=400)
    )
    handle, lock = await start(time_skipping, queue, rules, history_limit=30)
    first_run = (await handle.describe()).run_id
    latest = time_skipping.client.get_workflow_handle_for(LeadLockWorkflow.run, handle.id)  # follows the runs

    for day in range(70, 300, 20):
        await time_skipping.sleep(lock.starts_at + day * DAY - await time_skipping.get_current_time())
        await latest.signal(
            LeadLockWorkflow.follow_up,
            FollowUp(activity_id=uuid.uuid4(), kind="visit", at=await time_skipping.get_current_time()),
        )
    # Let a continue-as-new the last follow-up triggered finish: the test server cannot answer a query
    # racing a run's end, a real server can.
    await time_skipping.sleep(DAY)

    assert (await latest.describe()).run_id != first_run
    old = time_skipping.client.get_workflow_handle(handle.id, run_id=first_run)
    assert (await old.describe()).status is WorkflowExecutionStatus.CONTINUED_AS_NEW
    progress = await latest.query(LeadLockWorkflow.progress)
    assert close_to(progress.expires_at, lock.starts_at + 320 * DAY)
    assert await handle.result() == "expired"  # the started handle skips time and follows the runs
    assert len(record.of("extend_lock")) == 12
