"""A registration's journey through registration, qualification and dedup on the in-memory broker."""

from __future__ import annotations

import json

from referee_shared.events.leads import DecisionOutcome, LockChange
from referee_shared.kafka.deadletter import DeadLetter
from referee_shared.topics import LEADS_DECISIONS, LEADS_LOCKS, LEADS_SUBMITTED

from ..builders import USCC_HANGZHOU_BUILDER, customer, envelope, submission
from .conftest import InMemorySystem


async def test_first_registration_of_a_customer_is_accepted_and_locked(system: InMemorySystem) -> None:
    lead = submission("dealer-hangzhou", who=customer(uscc=USCC_HANGZHOU_BUILDER))
    await system.publish(LEADS_SUBMITTED, envelope(lead), key=str(lead.lead_id))

    [decision] = system.events(LEADS_DECISIONS)
    assert decision.payload.outcome is DecisionOutcome.ACCEPTED
    assert decision.payload.rule_set == "building-materials"
    assert decision.payload.rule_version == 1
    assert decision.payload.lock is not None
    [started] = system.locks.started
    assert started.lead_id == lead.lead_id
    assert (started.expires_at - started.starts_at).days == 90
    [granted] = system.events(LEADS_LOCKS)
    assert granted.payload.change is LockChange.GRANTED


async def test_second_partner_registering_the_same_customer_is_rejected_without_learning_who(
    system: InMemorySystem,
) -> None:
    first = submission("dealer-hangzhou", who=customer(uscc=USCC_HANGZHOU_BUILDER))
    second = submission("dealer-shaoxing", who=customer(name="杭州滨江建设", uscc=USCC_HANGZHOU_BUILDER))
    await system.publish(LEADS_SUBMITTED, envelope(first))
    await system.publish(LEADS_SUBMITTED, envelope(second))

    decisions = {d.payload.lead_id: d.payload for d in system.events(LEADS_DECISIONS)}
    rejected = decisions[second.lead_id]
    assert rejected.outcome is DecisionOutcome.REJECTED
    assert rejected.reason_code == "duplicate"
    first_lock = decisions[first.lead_id].lock
    assert first_lock is not None
    assert rejected.protected_until == first_lock.expires_at
    assert "dealer-hangzhou" not in rejected.reason
    assert len(system.locks.started) == 1


async def test_agent_without_orthopaedics_qualification_gets_a_red_card(system: InMemorySystem) -> None:
    lead = submission("agent-li", who=customer(name="浙江大学医学院附属第一医院"), product_line="orthopaedics")
    await system.publish(LEADS_SUBMITTED, envelope(lead))

    [decision] = system.events(LEADS_DECISIONS)
    assert decision.payload.outcome is DecisionOutcome.REJECTED
    assert decision.payload.reason_code == "not_qualified"
    assert "orthopaedic-device-distribution" in decision.payload.reason


async def test_malformed_message_is_dead_lettered_and_the_next_one_processed(system: InMemorySystem) -> None:
    await system.publish_raw(LEADS_SUBMITTED, b"{not json")
    good = submission("dealer-hangzhou", who=customer(uscc=USCC_HANGZHOU_BUILDER))
    await system.publish(LEADS_SUBMITTED, envelope(good))

    [letter] = [DeadLetter.model_validate_json(raw) for raw in system.raw("deadletter.registration")]
    assert letter.reason.startswith("not JSON")
    assert letter.value_text == "{not json"
    assert [d.payload.lead_id for d in system.events(LEADS_DECISIONS)] == [good.lead_id]


async def test_unknown_schema_version_is_dead_lettered_with_the_reason(system: InMemorySystem) -> None:
    document = json.loads(envelope(submission()).model_dump_json())
    document["schema_version"] = 9
    await system.publish_raw(LEADS_SUBMITTED, json.dumps(document).encode())

    [letter] = [DeadLetter.model_validate_json(raw) for raw in system.raw("deadletter.registration")]
    assert letter.reason == "unknown schema version 9 for lead.submitted; supported: 1"
    assert system.events(LEADS_DECISIONS) == []


async def test_redelivered_submission_changes_nothing(system: InMemorySystem) -> None:
    event = envelope(submission("dealer-hangzhou", who=customer(uscc=USCC_HANGZHOU_BUILDER)))
    await system.publish(LEADS_SUBMITTED, event)
    await system.publish(LEADS_SUBMITTED, event)

    assert len(system.events(LEADS_DECISIONS)) == 1
    assert len(system.locks.started) == 1


async def test_unknown_product_line_is_rejected_naming_the_known_ones(system: InMemorySystem) -> None:
    await system.publish(LEADS_SUBMITTED, envelope(submission(product_line="spaceships")))

    [decision] = system.events(LEADS_DECISIONS)
    assert decision.payload.reason_code == "unknown_product_line"
    assert "tiles" in decision.payload.reason
