"""A registration flowing end to end through the real Kafka, Temporal and PostgreSQL."""

from __future__ import annotations

import json

from temporalio.client import WorkflowExecutionStatus

from referee_registration.workflows.models import LOCK_WORKFLOW_KIND
from referee_shared.events.leads import DecisionOutcome, LockChange
from referee_shared.kafka.deadletter import DeadLetter
from referee_shared.topics import LEADS_DECISIONS, LEADS_LOCKS, LEADS_SUBMITTED, dead_letter_topic

from ..builders import customer, envelope, make_uscc, submission
from ..stack import Stack


async def test_submission_becomes_an_accepted_decision_and_a_running_lock_workflow(stack: Stack) -> None:
    lead = submission("dealer-hangzhou", who=customer("杭州未来科技城建设有限公司", uscc=make_uscc(101)))
    await stack.publish(LEADS_SUBMITTED, envelope(lead), key=str(lead.lead_id))

    [decision] = await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == lead.lead_id)
    assert decision.payload.outcome is DecisionOutcome.ACCEPTED
    [granted] = await stack.events(LEADS_LOCKS, lambda e: e.payload.lead_id == lead.lead_id)
    assert granted.payload.change is LockChange.GRANTED
    assert stack.temporal is not None
    handle = stack.temporal.get_workflow_handle(
        stack.settings("registration").workflow_id(LOCK_WORKFLOW_KIND, lead.lead_id)
    )
    description = await handle.describe()
    assert description.status is WorkflowExecutionStatus.RUNNING
    assert await handle.query("expires_at") == decision.payload.lock.expires_at.isoformat()


async def test_second_partner_registering_the_same_customer_is_rejected_as_duplicate(stack: Stack) -> None:
    code = make_uscc(102)
    first = submission("dealer-hangzhou", who=customer("绍兴柯桥纺织有限公司", uscc=code))
    second = submission("dealer-shaoxing", who=customer("绍兴柯桥纺织", uscc=code))
    await stack.publish(LEADS_SUBMITTED, envelope(first))
    await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == first.lead_id)
    await stack.publish(LEADS_SUBMITTED, envelope(second))

    [rejected] = await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == second.lead_id)
    assert rejected.payload.outcome is DecisionOutcome.REJECTED
    assert rejected.payload.reason_code == "duplicate"
    assert rejected.payload.protected_until is not None
    assert "dealer-hangzhou" not in rejected.payload.reason


async def test_bad_messages_are_dead_lettered_with_the_reason_and_the_next_one_is_processed(stack: Stack) -> None:
    unknown_version = json.loads(envelope(submission()).model_dump_json())
    unknown_version["schema_version"] = 42
    marker = f"broken-{id(unknown_version)}"
    await stack.publish_raw(LEADS_SUBMITTED, b"{" + marker.encode(), key=marker)
    await stack.publish_raw(LEADS_SUBMITTED, json.dumps(unknown_version).encode(), key=marker)
    good = submission("dealer-hangzhou", who=customer("杭州钱塘新区建材城", uscc=make_uscc(103)))
    await stack.publish(LEADS_SUBMITTED, envelope(good), key=marker)  # same key: same partition, after them

    await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == good.lead_id)
    assert stack.watcher is not None
    letters = [
        DeadLetter.model_validate_json(s.value)
        for s in await stack.watcher.wait_for(
            stack.topic(dead_letter_topic("registration")), lambda s: s.key == marker.encode(), count=2
        )
    ]
    reasons = sorted(letter.reason for letter in letters)
    assert reasons[0].startswith("not JSON")
    assert reasons[1] == "unknown schema version 42 for lead.submitted; supported: 1"
    assert all(letter.source_topic == stack.topic(LEADS_SUBMITTED) for letter in letters)


async def test_redelivered_event_changes_nothing(stack: Stack) -> None:
    event = envelope(submission("dealer-hangzhou", who=customer("杭州萧山机场建设", uscc=make_uscc(104))))
    key = str(event.payload.lead_id)
    await stack.publish(LEADS_SUBMITTED, event, key=key)
    await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == event.payload.lead_id)
    await stack.publish(LEADS_SUBMITTED, event, key=key)
    await stack.publish(LEADS_SUBMITTED, event, key=key)
    # A later submission on the same partition is decided only after the redeliveries were handled.
    sentinel = submission("dealer-hangzhou", who=customer("杭州萧山物流园", uscc=make_uscc(105)))
    await stack.publish(LEADS_SUBMITTED, envelope(sentinel), key=key)
    await stack.events(LEADS_LOCKS, lambda e: e.payload.lead_id == sentinel.lead_id)

    decisions = [e for e in stack.all_events(LEADS_DECISIONS) if e.payload.lead_id == event.payload.lead_id]
    locks = [e for e in stack.all_events(LEADS_LOCKS) if e.payload.lead_id == event.payload.lead_id]
    assert len(decisions) == 1
    assert len(locks) == 1
