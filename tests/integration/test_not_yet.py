"""A message that cannot be processed yet never holds back the ones behind it on its partition (issue 12).

An activity naming a lead registration does not know yet goes to ``retry.registration`` and the valid
activity behind it is recorded at once; the stuck one is recorded once its lead exists, at the broker time of
its first arrival, signature verified and only once; one whose lead never comes is dead-lettered with the
reason after the bound. Through the real Kafka, Temporal and PostgreSQL, every message signed and verified.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka.partitioner import DefaultPartitioner

from referee_shared.events.leads import ActivityKind, DecisionOutcome, LeadActivity, LeadSubmitted
from referee_shared.kafka.deadletter import DeadLetter
from referee_shared.topics import LEADS_ACTIVITIES, LEADS_DECISIONS, LEADS_SUBMITTED, dead_letter_topic, retry_topic

from ..builders import customer, envelope, make_uscc, submission
from ..stack import Stack, new_prefix

pytestmark = pytest.mark.integration

RETRY_DELAY = 20.0
RETRY_ATTEMPTS = 3


@pytest.fixture(scope="module")
async def stack(infrastructure: None) -> AsyncIterator[Stack]:
    stack = Stack(
        new_prefix("notyet"),
        {"registration": 1, "dedup": 1, "qualification": 1},
        service_overrides={"registration": {"retry_delay_seconds": RETRY_DELAY, "retry_max_attempts": RETRY_ATTEMPTS}},
    )
    await stack.start()
    yield stack
    await stack.stop()


def lead_id_on_partition_of(lead_id: uuid.UUID) -> uuid.UUID:
    """A fresh lead id whose records land on ``lead_id``'s partition (Kafka's default partitioner)."""
    partitioner, every = DefaultPartitioner(), list(range(LEADS_ACTIVITIES.partitions))
    target = partitioner(str(lead_id).encode(), every, every)
    while True:
        candidate = uuid.uuid4()
        if partitioner(str(candidate).encode(), every, every) == target:
            return candidate


def visit(lead_id: uuid.UUID, summary: str) -> LeadActivity:
    return LeadActivity(
        activity_id=uuid.uuid4(),
        lead_id=lead_id,
        partner_id="dealer-hangzhou",
        kind=ActivityKind.VISIT,
        summary=summary,
    )


async def accepted(stack: Stack, lead: LeadSubmitted) -> None:
    await stack.publish(LEADS_SUBMITTED, envelope(lead), key=str(lead.lead_id))
    [decision] = await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == lead.lead_id, timeout=60)
    assert decision.payload.outcome is DecisionOutcome.ACCEPTED, decision.payload.reason


async def activities(stack: Stack, lead_id: uuid.UUID) -> list[dict[str, Any]]:
    bundle = await stack.services["registration"][0].evidence.for_lead(lead_id)
    return [record.content for record in bundle.records if record.kind == "activity"]


async def within(seconds: float, found: Callable[[], Awaitable[bool]]) -> float:
    """Seconds until ``found`` holds, failing past ``seconds``."""
    started = time.perf_counter()
    while not await found():
        assert time.perf_counter() - started < seconds, f"not within {seconds} s"
        await asyncio.sleep(0.05)
    return time.perf_counter() - started


def a_lead(name: str, lead_id: uuid.UUID | None = None) -> LeadSubmitted:
    lead = submission("dealer-hangzhou", who=customer(name, uscc=make_uscc(uuid.uuid4().int % 10**9)))
    return lead if lead_id is None else lead.model_copy(update={"lead_id": lead_id})


async def test_the_valid_activity_behind_one_for_an_unknown_lead_is_recorded_at_once_and_the_stuck_one_later(
    stack: Stack,
) -> None:
    known = a_lead("杭州慢消息测试一号有限公司")
    await accepted(stack, known)
    early = lead_id_on_partition_of(known.lead_id)
    stuck = visit(early, "visited before the registration reached Referee")
    sent_twice = envelope(stuck)  # the portal sends it again: the same event, one record in the trail

    await stack.publish(LEADS_ACTIVITIES, sent_twice, key=str(early))
    await stack.publish(LEADS_ACTIVITIES, sent_twice, key=str(early))
    first_sent = datetime.now(UTC)
    await stack.publish(
        LEADS_ACTIVITIES, envelope(visit(known.lead_id, "met the site manager")), key=str(known.lead_id)
    )

    async def recorded() -> bool:
        return len(await activities(stack, known.lead_id)) == 1

    waited = await within(RETRY_DELAY, recorded)
    assert waited < RETRY_DELAY / 2, f"the valid activity waited {waited:.1f} s behind the stuck one"
    # It did not wait for the stuck one to be given up on (in place, that was the only way past it): that
    # one is on the retry topic, not in the dead letters.
    assert stack.watcher is not None
    await stack.watcher.wait_for(stack.topic(retry_topic("registration")), lambda s: s.key == str(early).encode())
    letters = stack.topic(dead_letter_topic("registration"))
    assert not [s for s in stack.watcher.seen if s.topic == letters and s.key == str(early).encode()]

    registered_at = datetime.now(UTC)
    await accepted(stack, a_lead("杭州慢消息测试二号有限公司", lead_id=early))

    async def caught_up() -> bool:
        return len(await activities(stack, early)) >= 1

    await within(3 * RETRY_DELAY + 30, caught_up)
    await asyncio.sleep(1)  # the second copy's retry is due by now too
    [record] = await activities(stack, early)
    assert record["summary"] == "visited before the registration reached Referee"
    received_at = datetime.fromisoformat(record["received_at"])
    assert received_at < registered_at  # the broker's time of the first arrival, not of the retry
    assert abs((received_at - first_sent).total_seconds()) < 5


async def test_an_activity_whose_lead_never_comes_is_dead_lettered_with_the_reason_after_the_bound(
    stack: Stack,
) -> None:
    ghost = uuid.uuid4()
    orphan = visit(ghost, "a lead that was never registered")

    await stack.publish(LEADS_ACTIVITIES, envelope(orphan), key=str(ghost))

    assert stack.watcher is not None
    [seen] = await stack.watcher.wait_for(
        stack.topic(dead_letter_topic("registration")),
        lambda s: s.key == str(ghost).encode(),
        timeout=RETRY_ATTEMPTS * RETRY_DELAY + 30,
    )
    letter = DeadLetter.model_validate_json(seen.value)
    assert f"names unknown lead {ghost}" in letter.reason
    assert f"still not processable after {RETRY_ATTEMPTS} attempts" in letter.reason
    assert (letter.source_topic, letter.attempts) == (stack.topic(LEADS_ACTIVITIES), RETRY_ATTEMPTS)
