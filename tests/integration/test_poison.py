"""Poison never loses the next message: whatever bytes arrive on an input topic, through the real broker,
they are dead-lettered with a reason and the valid message right behind them (same key, so the same
partition) is still decided by every service that consumes the topic.

Hypothesis drives the examples from a worker thread; each example publishes its pair through the test's
event loop (where the real consumers run), and the test then waits until every pair was decided. Waiting
once for all keeps the run to seconds; a failure names the poison that preceded each lost message.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

import asyncpg
import pytest
from aiokafka.structs import RecordMetadata
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from referee_shared.events.board import PlanSource, ProcurementPlanReported, VisitReported, VisitStatus
from referee_shared.events.catalog import UndecodableMessage, decode
from referee_shared.events.envelope import Envelope, envelope_json
from referee_shared.events.leads import ActivityKind, LeadActivity
from referee_shared.events.settlements import PaymentStatus, SettlementPayment
from referee_shared.kafka.deadletter import DeadLetter
from referee_shared.topics import (
    BOARD_PLANS,
    BOARD_VISITS,
    DEALS_CLOSED,
    DISPUTES_OPENED,
    LEADS_ACTIVITIES,
    LEADS_DECISIONS,
    LEADS_SUBMITTED,
    QUALIFICATIONS_SUBMITTED,
    SETTLEMENTS_PAYMENTS,
    Topic,
    dead_letter_topic,
)

from ..arbitration_builders import dispute_by
from ..builders import certificate, customer, deal_closed, envelope, make_uscc, submission
from ..stack import POSTGRES, Stack

# The broker client on the event loop's thread draws from the global ``random`` while an example runs;
# Hypothesis would take that for a strategy using ``random``.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Do not use the `random` module:hypothesis.errors.HypothesisDeprecationWarning"
)

T = TypeVar("T")
EXAMPLES_PER_TOPIC = 25
DECIDED_WITHIN = 30.0

TOMBSTONE = None
HUGE_INTEGER = b'{"type": "lead.submitted", "schema_version": ' + b"9" * 5000 + b"}"
DEEP_NESTING = b"[" * 50_000 + b"]" * 50_000
DEEP_OBJECT = b'{"a":' * 50_000 + b"1" + b"}" * 50_000

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
ENVELOPE_FIELDS = ["event_id", "type", "schema_version", "occurred_at", "producer", "correlation_id", "payload"]


def poison_for(valid: Callable[[], Envelope[Any]]) -> st.SearchStrategy[bytes | None]:
    """Arbitrary bytes, arbitrary JSON, and a valid envelope of the topic with one field replaced by junk."""

    template = envelope_json(valid())

    def mutated(field: str, payload_field: int | None, value: object) -> bytes:
        document = json.loads(template)
        if payload_field is None:
            document[field] = value
        else:
            names = sorted(document["payload"])
            document["payload"][names[payload_field % len(names)]] = value
        return json.dumps(document).encode()

    return st.one_of(
        st.binary(max_size=300),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.builds(mutated, st.sampled_from(ENVELOPE_FIELDS), st.none() | st.integers(0, 30), json_values),
    )


class Rig:
    """What one example needs from the running stack: publish, then wait until a message is decided."""

    def __init__(self, stack: Stack, loop: asyncio.AbstractEventLoop) -> None:
        self.stack = stack
        self.loop = loop
        self.fed: list[Fed] = []

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(DECIDED_WITHIN * 3)

    async def send(self, topic: Topic[Any], value: bytes | None, key: str) -> RecordMetadata:
        assert self.stack.producer is not None
        return await self.stack.producer.send_and_wait(self.stack.topic(topic), value, key=key.encode())

    def letters(self, service: str, topic: Topic[Any], at: RecordMetadata) -> list[DeadLetter]:
        """Dead letters of ``service`` for the record at ``at``; each must say why."""
        assert self.stack.watcher is not None
        name = self.stack.topic(dead_letter_topic(service))
        letters = [DeadLetter.model_validate_json(s.value) for s in self.stack.watcher.seen if s.topic == name]
        found = [
            letter
            for letter in letters
            if (letter.source_topic, letter.partition, letter.offset)
            == (self.stack.topic(topic), at.partition, at.offset)
        ]
        assert all(letter.reason for letter in found)
        return found

    async def processed(self, service: str, event_ids: list[uuid.UUID]) -> set[uuid.UUID]:
        connection = await asyncpg.connect(f"{POSTGRES}/{self.stack.database_prefix}_{service}")
        try:
            rows = await connection.fetch(
                "SELECT event_id FROM processed_events WHERE event_id = ANY($1::uuid[])", event_ids
            )
        finally:
            await connection.close()
        return {row["event_id"] for row in rows}

    async def feed(self, topic: Topic[Any], poison: bytes | None, valid: Envelope[Any]) -> None:
        """Poison then a valid message on one key (so one partition); checked later by ``all_decided``."""
        key = f"poison-{uuid.uuid4().hex}"
        bad = await self.send(topic, poison, key)
        good = await self.send(topic, envelope_json(valid), key)
        assert bad.partition == good.partition
        try:  # a mutation may leave a valid event (a different producer name, say): then it is processed
            accidental: uuid.UUID | None = decode(topic, poison).event_id
        except UndecodableMessage:
            accidental = None
        self.fed.append(Fed(topic, poison, bad, accidental, good, valid.event_id))

    async def all_decided(self) -> None:
        """Every poison dead-lettered (or, if valid after all, processed), every valid message decided,
        by every service consuming the topic."""
        deadline = self.loop.time() + DECIDED_WITHIN
        waiting = {(service, n) for n, fed in enumerate(self.fed) for service in fed.topic.consumers}
        while waiting:
            services = {service for service, _ in waiting}
            ids = [i for fed in self.fed for i in (fed.valid_id, fed.accidental_id) if i is not None]
            processed = {service: await self.processed(service, ids) for service in services}
            for service, n in sorted(waiting):
                fed = self.fed[n]
                poisoned = bool(self.letters(service, fed.topic, fed.poison_at)) or (
                    fed.accidental_id in processed[service]
                )
                decided = fed.valid_id in processed[service] or bool(self.letters(service, fed.topic, fed.valid_at))
                if poisoned and decided:
                    waiting.discard((service, n))
            if waiting and self.loop.time() > deadline:
                lost = [(service, self.fed[n]) for service, n in sorted(waiting)]
                raise AssertionError(
                    "not both dead-lettered and decided:\n"
                    + "\n".join(
                        f"  {service} on {fed.topic.name}: poison {fed.poison[:80] if fed.poison else fed.poison!r} "
                        f"@{fed.poison_at.offset}, next message @{fed.valid_at.offset}"
                        for service, fed in lost[:10]
                    )
                )
            await asyncio.sleep(0.2)


@dataclass(frozen=True)
class Fed:
    topic: Topic[Any]
    poison: bytes | None
    poison_at: RecordMetadata
    accidental_id: uuid.UUID | None
    valid_at: RecordMetadata
    valid_id: uuid.UUID


@pytest.fixture
async def rig(stack: Stack) -> Rig:
    return Rig(stack, asyncio.get_running_loop())


def property_of(topic: Topic[Any], valid: Callable[[], Envelope[Any]]) -> Callable[[Rig], None]:
    """The property for one topic, with the named poison of the issue as explicit examples."""

    @settings(
        max_examples=EXAMPLES_PER_TOPIC,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(poison=poison_for(valid))
    @example(poison=TOMBSTONE)
    @example(poison=HUGE_INTEGER)
    @example(poison=DEEP_NESTING)
    @example(poison=DEEP_OBJECT)
    def check(rig: Rig, poison: bytes | None) -> None:
        rig.run(rig.feed(topic, poison, valid()))

    return check


async def test_poison_on_leads_submitted_never_loses_the_next_registration(rig: Rig) -> None:
    def valid() -> Envelope[Any]:
        return envelope(submission(who=customer("杭州毒丸测试建材", uscc=make_uscc(uuid.uuid4().int % 10**9))))

    await asyncio.to_thread(property_of(LEADS_SUBMITTED, valid), rig)
    await rig.all_decided()


async def test_poison_on_leads_activities_never_loses_the_next_activity(rig: Rig) -> None:
    lead = submission("dealer-hangzhou", who=customer("杭州毒丸跟进测试", uscc=make_uscc(uuid.uuid4().int % 10**9)))
    await rig.stack.publish(LEADS_SUBMITTED, envelope(lead), key=str(lead.lead_id))
    await rig.stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == lead.lead_id)

    def valid() -> Envelope[Any]:
        return envelope(
            LeadActivity(
                activity_id=uuid.uuid4(),
                lead_id=lead.lead_id,
                partner_id=lead.partner_id,
                kind=ActivityKind.CALL,
                summary="电话回访",
            )
        )

    await asyncio.to_thread(property_of(LEADS_ACTIVITIES, valid), rig)
    await rig.all_decided()


async def test_poison_on_deals_closed_never_loses_the_next_deal(rig: Rig) -> None:
    await asyncio.to_thread(property_of(DEALS_CLOSED, lambda: envelope(deal_closed(f"D-{uuid.uuid4()}"))), rig)
    await rig.all_decided()


async def test_poison_on_qualifications_submitted_never_loses_the_next_certificate(rig: Rig) -> None:
    def valid() -> Envelope[Any]:
        return envelope(certificate(f"agent-{uuid.uuid4().hex[:8]}"))

    await asyncio.to_thread(property_of(QUALIFICATIONS_SUBMITTED, valid), rig)
    await rig.all_decided()


async def test_poison_on_disputes_opened_never_loses_the_next_dispute(rig: Rig) -> None:
    # A dispute naming no lead or customer is refused before any evidence is read (this stack serves no
    # registration HTTP for arbitration to read): decided, by a refusal with its reason.
    await asyncio.to_thread(property_of(DISPUTES_OPENED, lambda: envelope(dispute_by())), rig)
    await rig.all_decided()


async def test_poison_on_settlements_payments_never_loses_the_next_payment(rig: Rig) -> None:
    def valid() -> Envelope[Any]:
        return envelope(
            SettlementPayment(
                payment_id=f"P-{uuid.uuid4().hex[:12]}",
                statement_id=uuid.uuid4(),
                line_id=uuid.uuid4(),
                status=PaymentStatus.PAID,
                amount=Decimal("100.00"),
                reported_at=datetime.now(UTC),
            )
        )

    await asyncio.to_thread(property_of(SETTLEMENTS_PAYMENTS, valid), rig)
    await rig.all_decided()


async def test_poison_on_the_board_topics_never_loses_the_next_plan_or_visit(rig: Rig) -> None:
    def plan() -> Envelope[Any]:
        return envelope(
            ProcurementPlanReported(
                plan_id=uuid.uuid4(),
                partner_id="agent-ortho",
                customer_key=f"cust-{uuid.uuid4()}",
                product_line="orthopaedics",
                item="关节置换器械",
                source=PlanSource.TENDER_NOTICE,
            )
        )

    def visit() -> Envelope[Any]:
        return envelope(
            VisitReported(
                visit_id=uuid.uuid4(),
                partner_id="agent-ortho",
                customer_key=f"cust-{uuid.uuid4()}",
                product_line="orthopaedics",
                contact="设备科 李科长",
                visit_on=datetime.now(UTC).date(),
                status=VisitStatus.PLANNED,
                visited_by="张伟",
            )
        )

    await asyncio.to_thread(property_of(BOARD_PLANS, plan), rig)
    await asyncio.to_thread(property_of(BOARD_VISITS, visit), rig)
    await rig.all_decided()
