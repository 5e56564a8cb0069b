"""A steady mixed load, played as the partner portals, the ERP and finance would, and a ledger of what came
back. Every input is signed with its producer's key (the demo's set-up); every answer is read from the
output topics from their beginning, so nothing that was published is missed, however late."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from hashlib import sha256
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from stdnum.cn import uscc as uscc_checker

from referee_shared.events.catalog import UndecodableMessage, decode
from referee_shared.events.common import Attachment, Channel, CustomerIdentity
from referee_shared.events.deals import Contributor, DealClosed, DealOutcome
from referee_shared.events.disputes import DisputeOpened, DisputeProgressed, DisputeStep, OpenedBy
from referee_shared.events.envelope import Envelope, P, envelope_json, new_envelope
from referee_shared.events.leads import ActivityKind, DecisionOutcome, LeadActivity, LeadDecision, LeadSubmitted
from referee_shared.events.settlements import PaymentStatus, SettlementPayment, SettlementStatement, StatementKind
from referee_shared.kafka.deadletter import DeadLetter
from referee_shared.topics import (
    CONSUMER_GROUPS,
    DEALS_CLOSED,
    DISPUTES_EVENTS,
    DISPUTES_OPENED,
    LEADS_ACTIVITIES,
    LEADS_DECISIONS,
    LEADS_SUBMITTED,
    SETTLEMENTS_PAYMENTS,
    SETTLEMENTS_STATEMENTS,
    Topic,
    dead_letter_topic,
)
from referee_shared.trust.local import signed_as_producer

# A hundred partners per run, new each run: the rules allow a partner twenty registrations an hour.
PARTNER_COUNT = 100


def partners_of_this_run() -> tuple[str, ...]:
    tag = datetime.now(UTC).strftime("%d%H%M%S")
    return tuple(f"chaos-{tag}-{n:03d}" for n in range(1, PARTNER_COUNT + 1))


# Customer names from many unrelated syllables, so fresh customers are never fuzzy duplicates of each other.
SYLLABLES = "安宝北博昌晨川达德鼎东丰福富港广國海瀚浩恒宏华辉佳嘉江金锦京晶凯康朗雷力立利联林龙隆茂美民明铭南宁鹏平浦启千强庆瑞润森山上盛圣世舒顺泰天通万旺威伟文希祥新信星兴雄旭鑫亚扬阳耀宜益永宇裕远跃云泽展长兆振正志中卓"  # noqa: E501
CITIES = (("浙江省", "杭州市", "330106"), ("浙江省", "宁波市", "330200"), ("江苏省", "苏州市", "320500"))
KINDS = ("registration", "activity", "dispute", "deal", "payment")


def fresh_customer(rng: random.Random) -> CustomerIdentity:
    province, city, code = rng.choice(CITIES)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    stem = f"91{code}" + "".join(rng.choice(alphabet) for _ in range(9))
    name = "".join(rng.sample(SYLLABLES, 4))
    return CustomerIdentity(
        name=f"{city[:-1]}{name}建材有限公司",
        uscc=stem + uscc_checker.calc_check_digit(stem),
        province=province,
        city=city,
    )


@dataclass
class Sent:
    """One input: what kind, which business key its answer carries, in which phase and when."""

    kind: str
    key: str
    phase: str
    at: float


@dataclass
class Ledger:
    """Inputs sent and answers seen, by business key."""

    sent: dict[str, Sent] = field(default_factory=dict)
    # key -> distinct (copy, event id): a dispute's step comes in one copy per audience (the claimant's is redacted)
    answers: dict[str, set[tuple[str, UUID]]] = field(default_factory=lambda: defaultdict(set))
    first_answer_at: dict[str, float] = field(default_factory=dict)
    decisions: dict[UUID, LeadDecision] = field(default_factory=dict)
    statements: dict[str, SettlementStatement] = field(default_factory=dict)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    poison: list[tuple[str, int, int]] = field(default_factory=list)  # (topic, partition, offset)

    def answer(self, key: str, event_id: UUID, copy: str = "") -> None:
        self.answers[key].add((copy, event_id))
        self.first_answer_at.setdefault(key, time.monotonic())

    def times_answered(self, key: str) -> int:
        """How often the input was answered: distinct events of its most answered copy (1 unless doubled)."""
        copies = Counter(copy for copy, _ in self.answers.get(key, ()))
        return max(copies.values(), default=0)

    def expecting(self, phase: str | None = None) -> list[Sent]:
        """Inputs whose answer is looked for on a topic (activities and payments are checked in the databases)."""
        return [
            s for s in self.sent.values() if s.kind in ("registration", "dispute", "deal") and phase in (None, s.phase)
        ]


class Watcher:
    """Reads decisions, dispute steps, statements and dead letters from the beginning, into the ledger."""

    def __init__(self, bootstrap: str, prefix: str, ledger: Ledger) -> None:
        self._bootstrap, self._prefix, self._ledger = bootstrap, prefix, ledger
        self._since = datetime.now(UTC)  # dead letters of an earlier run (kept with --keep) are not this run's
        self._consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        self._task: asyncio.Task[None] | None = None
        self._topics: dict[str, Topic[Any]] = {
            t.full_name(prefix): t for t in (LEADS_DECISIONS, DISPUTES_EVENTS, SETTLEMENTS_STATEMENTS)
        }
        self._dead = {dead_letter_topic(g).full_name(prefix) for g in CONSUMER_GROUPS}

    async def start(self) -> None:
        await self._consumer.start()
        partitions = []
        for name in [*self._topics, *self._dead]:
            found = None
            for _ in range(100):
                found = self._consumer.partitions_for_topic(name)
                if found:
                    break
                await self._consumer._client.force_metadata_update()
                await asyncio.sleep(0.1)
            if not found:
                raise RuntimeError(f"topic {name} does not exist")
            partitions += [TopicPartition(name, p) for p in found]
        self._consumer.assign(partitions)
        await self._consumer.seek_to_beginning(*partitions)
        self._task = asyncio.create_task(self._read())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._consumer.stop()

    async def _read(self) -> None:
        while True:
            try:
                batches = await self._consumer.getmany(timeout_ms=500)
            except Exception:  # a broker restarting: the consumer reconnects by itself
                await asyncio.sleep(0.5)
                continue
            for records in batches.values():
                for record in records:
                    self._take(record.topic, record.value)

    def _take(self, topic_name: str, value: bytes | None) -> None:
        ledger = self._ledger
        if topic_name in self._dead:
            letter = DeadLetter.model_validate_json(value) if value is not None else None
            if letter is not None and letter.failed_at >= self._since:
                ledger.dead_letters.append(letter)
            return
        try:
            event: Envelope[Any] = decode(self._topics[topic_name], value or b"")
        except UndecodableMessage:
            return
        payload = event.payload
        if isinstance(payload, LeadDecision) and payload.outcome is not DecisionOutcome.HELD:
            ledger.decisions.setdefault(payload.lead_id, payload)
            ledger.answer(f"registration:{payload.lead_id}", event.event_id)
        elif isinstance(payload, DisputeProgressed) and payload.step is DisputeStep.OPENED:
            audience = ",".join(sorted(payload.audience or ()))
            ledger.answer(f"dispute:{payload.dispute_id}", event.event_id, copy=audience)
        elif isinstance(payload, SettlementStatement) and payload.kind is StatementKind.ORIGINAL:
            ledger.statements.setdefault(payload.deal_id, payload)
            ledger.answer(f"deal:{payload.deal_id}", event.event_id)


class Load:
    """Sends the mixed load: registrations from twenty partners (fresh customers and competing copies of
    accepted ones), activities by the holders, disputes by the losers, closed deals and their payments."""

    def __init__(self, bootstrap: str, prefix: str, trust_dir: Path, ledger: Ledger, seed: int = 12) -> None:
        self._prefix, self._trust_dir, self.ledger = prefix, trust_dir, ledger
        self._producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
        self._rng = random.Random(seed)
        self.partners = partners_of_this_run()
        self._customers: dict[UUID, CustomerIdentity] = {}
        self._used: set[UUID] = set()  # decisions already acted on (activity/deal/copy/dispute)
        self._paid: set[str] = set()
        self._holders: dict[UUID, str] = {}  # a competing copy's lead -> the partner holding the customer
        self.phase = "start-up"

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def send(self, topic: Topic[P], payload: P, key: str, producer: str, kind: str, answer_key: str) -> None:
        envelope = signed_as_producer(
            self._trust_dir, new_envelope(payload, producer=producer, occurred_at=datetime.now(UTC))
        )
        self.ledger.sent[answer_key] = Sent(kind, answer_key, self.phase, time.monotonic())
        await self._deliver(topic.full_name(self._prefix), envelope_json(envelope), key.encode())

    async def _deliver(self, topic: str, value: bytes | None, key: bytes) -> tuple[int, int]:
        """Until the broker acknowledges it (the idempotent producer makes a retried send one record)."""
        while True:
            try:
                metadata = await self._producer.send_and_wait(topic, value, key=key)
                return metadata.partition, metadata.offset
            except Exception:
                await asyncio.sleep(0.5)

    async def poison(self) -> None:
        """Bytes no consumer can read, a tombstone and a payload breaking its schema: dead letters, nothing else."""
        bad = (
            (LEADS_SUBMITTED, b"\xff\xfe not json at all", b"poison-1"),
            (LEADS_ACTIVITIES, None, b"poison-2"),
            (DEALS_CLOSED, b'{"event_type": "deal.closed", "payload": {"deal_id": ""}}', b"poison-3"),
        )
        for topic, value, key in bad:
            name = topic.full_name(self._prefix)
            partition, offset = await self._deliver(name, value, key)
            self.ledger.poison.append((name, partition, offset))

    async def tick(self) -> None:
        """One second of load."""
        rng, sends = self._rng, []
        sends.append(self.register(rng.choice(self.partners), fresh_customer(rng)))
        fresh = [d for d in self.ledger.decisions.values() if d.lead_id not in self._used]
        accepted = [d for d in fresh if d.outcome is DecisionOutcome.ACCEPTED and d.lead_id in self._customers]
        rejected = [d for d in fresh if d.outcome is DecisionOutcome.REJECTED and d.reason_code == "duplicate"]
        for decision in accepted[:2]:
            self._used.add(decision.lead_id)
            choice = rng.random()
            if choice < 0.4:
                sends.append(self.deal(decision))
            elif choice < 0.7:
                sends.append(self.activity(decision))
            else:  # another partner registers the same customer: refused, and it disputes
                rival = rng.choice([p for p in self.partners if p != decision.partner_id])
                sends.append(self.register(rival, self._customers[decision.lead_id], holder=decision.partner_id))
        for decision in rejected[:1]:
            self._used.add(decision.lead_id)
            holder = self._holders.get(decision.lead_id)
            if holder:
                sends.append(self.dispute(decision, holder))
        for statement in list(self.ledger.statements.values()):
            if statement.deal_id not in self._paid and f"deal:{statement.deal_id}" in self.ledger.sent:
                self._paid.add(statement.deal_id)
                sends.append(self.pay(statement))
        await asyncio.gather(*sends)

    async def register(self, partner: str, customer: CustomerIdentity, holder: str | None = None) -> None:
        lead = LeadSubmitted(
            lead_id=uuid4(),
            partner_id=partner,
            channel=Channel.DEALER,
            customer=customer,
            product_line="tiles",
            estimated_amount=Decimal(self._rng.randrange(20_000, 150_000)),
        )
        self._customers[lead.lead_id] = customer
        if holder:
            self._holders[lead.lead_id] = holder
        await self.send(
            LEADS_SUBMITTED, lead, str(lead.lead_id), "partner-portal", "registration", f"registration:{lead.lead_id}"
        )

    async def activity(self, decision: LeadDecision) -> None:
        activity = LeadActivity(
            activity_id=uuid4(),
            lead_id=decision.lead_id,
            partner_id=decision.partner_id,
            kind=ActivityKind.CHECK_IN,
            summary="Visited the site; samples left.",
            attachments=[Attachment(name="visit.jpg", sha256=sha256(decision.lead_id.bytes).hexdigest())],
        )
        await self.send(
            LEADS_ACTIVITIES,
            activity,
            str(decision.lead_id),
            "partner-portal",
            "activity",
            f"activity:{activity.activity_id}",
        )

    async def dispute(self, rejected: LeadDecision, holder: str) -> None:
        dispute = DisputeOpened(
            dispute_id=uuid4(),
            opened_by=OpenedBy.PARTNER,
            claimant_id=rejected.partner_id,
            respondent_ids=[holder],
            lead_id=rejected.lead_id,
            claim="We contacted this customer first.",
        )
        await self.send(
            DISPUTES_OPENED,
            dispute,
            str(dispute.dispute_id),
            "partner-portal",
            "dispute",
            f"dispute:{dispute.dispute_id}",
        )

    async def deal(self, decision: LeadDecision) -> None:
        amount = Decimal(self._rng.randrange(20_000, 150_000))  # under the approval threshold: issued at once
        deal = DealClosed(
            deal_id=f"CHAOS-{uuid4().hex[:12]}",
            lead_id=decision.lead_id,
            outcome=DealOutcome.WON,
            amount=amount,
            closed_at=datetime.now(UTC),
            contributors=[Contributor(party_id=decision.partner_id, channel=Channel.DEALER, ratio=Decimal(1))],
            product_line="tiles",
            owner_id=decision.partner_id,
            owner_channel=Channel.DEALER,
        )
        await self.send(DEALS_CLOSED, deal, deal.deal_id, "erp", "deal", f"deal:{deal.deal_id}")

    async def pay(self, statement: SettlementStatement) -> None:
        for line in statement.lines:
            payment = SettlementPayment(
                payment_id=f"PAY-{uuid4().hex[:12]}",
                statement_id=statement.statement_id,
                line_id=line.line_id,
                status=PaymentStatus.PAID,
                amount=line.amount,
                reported_at=datetime.now(UTC),
            )
            await self.send(
                SETTLEMENTS_PAYMENTS,
                payment,
                str(statement.statement_id),
                "finance",
                "payment",
                f"payment:{payment.payment_id}",
            )
