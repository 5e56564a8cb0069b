"""What the lock workflow's activities record, follow-ups handed to the workflow, and rulings that transfer a
customer, on the in-memory broker with the workflow replaced by a recorder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from referee_registration.usecases import RegistrationUseCases
from referee_registration.workflows.models import (
    ExtensionClosed,
    ExtensionOpened,
    LockReminder,
    LockTransferred,
)
from referee_registration.workflows.steps import LockSteps
from referee_shared.events.disputes import DisputeRuling, RulingOutcome
from referee_shared.events.leads import ActivityKind, LeadActivity, LockChange
from referee_shared.events.tasks import TaskKind
from referee_shared.kafka.deadletter import DeadLetter
from referee_shared.topics import (
    DISPUTES_RULINGS,
    LEADS_ACTIVITIES,
    LEADS_DECISIONS,
    LEADS_LOCKS,
    LEADS_SUBMITTED,
    LEADS_TRANSITIONS,
    TASKS_EVENTS,
)

from ..builders import customer, envelope, make_uscc, submission
from .conftest import InMemorySystem


def steps(system: InMemorySystem) -> LockSteps:
    """What the lock workflow's activities run, on the in-memory registration service."""
    return LockSteps(system.runtimes["registration"].transactions)


async def locked(system: InMemorySystem, serial: int) -> tuple[UUID, UUID, RegistrationUseCases]:
    lead = submission("dealer-hangzhou", who=customer(f"杭州锁定客户{serial}", uscc=make_uscc(serial)))
    await system.publish(LEADS_SUBMITTED, envelope(lead))
    lock = system.events(LEADS_DECISIONS)[-1].payload.lock
    assert lock is not None
    assert system.registration is not None
    return lead.lead_id, lock.lock_id, system.registration


def ruling(lead_id: UUID, outcome: RulingOutcome, new_holder: str | None = "dealer-shaoxing") -> DisputeRuling:
    return DisputeRuling(
        dispute_id=uuid4(),
        outcome=outcome,
        reason="Shaoxing's visit records predate the registration",
        decided_by="hq.wang",
        level=2,
        lead_id=lead_id,
        new_holder_id=new_holder,
        rule_set="building-materials",
        rule_version=1,
        evidence_digest="ab" * 32,
        decided_at=datetime.now(UTC),
    )


async def test_a_reminder_is_published_once_however_often_the_activity_runs(system: InMemorySystem) -> None:
    _, lock_id, _ = await locked(system, 5001)
    expires = datetime.now(UTC) + timedelta(days=14)
    reminder = LockReminder(lock_id=lock_id, days_before=14, expires_at=expires, at=datetime.now(UTC))

    await steps(system).remind(reminder)
    await steps(system).remind(reminder)  # a retried activity
    await system.settle()

    reminders = [e.payload for e in system.events(LEADS_LOCKS) if e.payload.change is LockChange.REMINDER]
    assert len(reminders) == 1
    assert reminders[0].reason == f"protection ends in 14 days, on {expires.date().isoformat()}"


async def test_an_extension_task_follows_the_shared_inbox_contract(system: InMemorySystem) -> None:
    lead_id, lock_id, registration = await locked(system, 5002)
    now = datetime.now(UTC)
    opened = ExtensionOpened(
        lock_id=lock_id,
        task_id=f"ext-{lock_id}-1",
        workflow_id=system.locks.workflow_ids[0],
        days=30,
        reason="tender in May",
        requested_by="dealer-hangzhou",
        due_at=now + timedelta(hours=48),
        at=now,
        requested_expires_at=now + timedelta(days=120),
    )

    await steps(system).open_extension(opened)
    await steps(system).close_extension(
        ExtensionClosed(
            lock_id=lock_id,
            task_id=opened.task_id,
            outcome="approve",
            decided_by="li.reviewer",
            reason="two visits on record",
            at=now,
            expires_at=now + timedelta(days=120),
        )
    )
    await system.settle()

    task_opened, task_closed = (e.payload for e in system.events(TASKS_EVENTS))
    assert task_opened.kind is TaskKind.LOCK_EXTENSION
    assert (task_opened.workflow_id, task_opened.update_name) == (system.locks.workflow_ids[0], "decide")
    assert (task_opened.choices, task_opened.role, task_opened.region) == (["approve", "deny"], "reviewer", "浙江")
    assert task_opened.due_at == opened.due_at
    assert task_opened.details["lead_id"] == str(lead_id)
    assert task_opened.subject_party_ids == ["dealer-hangzhou"]
    assert (task_closed.task_id, task_closed.outcome, task_closed.decided_by) == (
        opened.task_id,
        "approve",
        "li.reviewer",
    )
    extended = system.events(LEADS_LOCKS)[-1].payload
    assert (extended.change, extended.expires_at) == (LockChange.EXTENDED, now + timedelta(days=120))
    bundle = await registration.evidence.for_lead(lead_id)
    assert [r.kind for r in bundle.records][-2:] == ["extension_requested", "extension_closed"]
    assert bundle.records[-1].actor == "li.reviewer"


async def test_a_transfer_hands_the_lock_to_a_new_lead_of_the_new_holder(system: InMemorySystem) -> None:
    lead_id, lock_id, registration = await locked(system, 5003)
    new_lead, now = uuid4(), datetime.now(UTC)
    dispute = uuid4()

    await steps(system).transfer(
        LockTransferred(
            lock_id=lock_id,
            dispute_id=dispute,
            previous_lead_id=lead_id,
            new_lead_id=new_lead,
            new_holder_id="dealer-shaoxing",
            reason="visited first",
            decided_by="hq.wang",
            at=now,
            expires_at=now + timedelta(days=90),
        )
    )
    await system.settle()

    transferred = system.events(LEADS_LOCKS)[-1].payload
    assert transferred.change is LockChange.TRANSFERRED
    assert (transferred.lead_id, transferred.partner_id) == (new_lead, "dealer-shaoxing")
    assert (transferred.previous_lead_id, transferred.previous_partner_id) == (lead_id, "dealer-hangzhou")
    assert transferred.expires_at == now + timedelta(days=90)
    moves = [(e.payload.lead_id, e.payload.to_status) for e in system.events(LEADS_TRANSITIONS)][-2:]
    assert moves == [(lead_id, "transferred"), (new_lead, "accepted")]
    bundle = await registration.evidence.for_lead(new_lead)
    assert bundle.records[-1].kind == "lock_transferred"
    assert bundle.records[-1].actor == "hq.wang"
    assert bundle.verification.intact


async def test_a_transfer_ruling_is_handed_to_the_lock_workflow(system: InMemorySystem) -> None:
    lead_id, _, _ = await locked(system, 5004)
    order = ruling(lead_id, RulingOutcome.TRANSFERRED)

    await system.publish(DISPUTES_RULINGS, envelope(order, producer="arbitration"))
    await system.publish(DISPUTES_RULINGS, envelope(order, producer="arbitration"))  # the same ruling, a new event

    [(workflow_id, first), (_, second)] = system.locks.transfers
    assert workflow_id == system.locks.workflow_ids[0]
    assert (first.dispute_id, first.new_holder_id, first.decided_by) == (order.dispute_id, "dealer-shaoxing", "hq.wang")
    assert second.dispute_id == first.dispute_id  # the workflow applies a dispute's ruling once


async def test_a_ruling_naming_the_claimant_s_rejected_lead_moves_the_active_lock_on_that_customer(
    system: InMemorySystem,
) -> None:
    who = customer("杭州仲裁客户有限公司", uscc=make_uscc(5005))
    holder, claimant = submission("dealer-hangzhou", who=who), submission("dealer-shaoxing", who=who)
    await system.publish(LEADS_SUBMITTED, envelope(holder))
    await system.publish(LEADS_SUBMITTED, envelope(claimant))

    await system.publish(DISPUTES_RULINGS, envelope(ruling(claimant.lead_id, RulingOutcome.TRANSFERRED)))

    [(workflow_id, _)] = system.locks.transfers
    assert workflow_id == system.locks.workflow_ids[0]


async def test_a_ruling_that_changes_no_owner_is_recorded_in_the_trail(system: InMemorySystem) -> None:
    lead_id, _, registration = await locked(system, 5006)

    await system.publish(DISPUTES_RULINGS, envelope(ruling(lead_id, RulingOutcome.DISMISSED, new_holder=None)))

    assert system.locks.transfers == []
    record = (await registration.evidence.for_lead(lead_id)).records[-1]
    assert (record.kind, record.actor, record.content["outcome"]) == ("ruling", "hq.wang", "dismissed")


async def test_a_follow_up_is_chained_and_handed_to_the_lock_at_the_system_s_time(system: InMemorySystem) -> None:
    lead_id, _, registration = await locked(system, 5007)
    claimed = datetime(2020, 1, 1, tzinfo=UTC)
    activity = LeadActivity(
        activity_id=uuid4(),
        lead_id=lead_id,
        partner_id="dealer-hangzhou",
        kind=ActivityKind.CHECK_IN,
        summary="checked in at the site office",
        partner_claimed_at=claimed,
    )

    await system.publish(LEADS_ACTIVITIES, envelope(activity))

    [(workflow_id, follow_up)] = system.locks.follow_ups
    assert workflow_id == system.locks.workflow_ids[0]
    assert (follow_up.activity_id, follow_up.kind) == (activity.activity_id, "check_in")
    assert abs(follow_up.at - datetime.now(UTC)) < timedelta(minutes=1)  # never the partner's 2020
    record = (await registration.evidence.for_lead(lead_id)).records[-1]
    assert (record.kind, record.content["summary"]) == ("activity", "checked in at the site office")


async def test_an_activity_on_someone_else_s_lead_is_dead_lettered(system: InMemorySystem) -> None:
    lead_id, _, _ = await locked(system, 5008)
    foreign = LeadActivity(
        activity_id=uuid4(), lead_id=lead_id, partner_id="dealer-shaoxing", kind=ActivityKind.VISIT, summary="visit"
    )
    unknown = foreign.model_copy(update={"lead_id": uuid4()})

    await system.publish(LEADS_ACTIVITIES, envelope(foreign))
    await system.publish(LEADS_ACTIVITIES, envelope(unknown))

    letters = [DeadLetter.model_validate_json(raw) for raw in system.raw("deadletter.registration")]
    assert letters[0].reason == f"partner dealer-shaoxing does not hold lead {lead_id}"
    assert "names unknown lead" in letters[1].reason
    assert system.locks.follow_ups == []
