"""Test data and stand-ins for arbitration: evidence trails sealed like registration seals them, the
brief's building-materials case, fakes for registration, dedup and Temporal, and an in-memory service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
from faststream.kafka import KafkaBroker

from referee_arbitration.adapters.evidence import (
    EvidenceBundle,
    MatchReason,
    TrailLead,
    TrailLock,
    TrailRecord,
    TrailVerification,
    Verdict,
)
from referee_arbitration.app import Components, build_app, build_runtime
from referee_arbitration.domain.chain import GENESIS, record_hash
from referee_arbitration.ports import EvidenceUnavailable, WorkflowRefused
from referee_arbitration.settings import ArbitrationSettings
from referee_arbitration.workflows.models import AppealFiled, DisputeCase
from referee_shared.auth import Role, issue_token
from referee_shared.calls import no_transaction_open
from referee_shared.clock import FixedClock
from referee_shared.events.disputes import DisputeOpened, DisputeProgressed, OpenedBy
from referee_shared.events.tasks import TaskDecision
from referee_shared.runtime import ServiceRuntime
from referee_shared.topics import DISPUTES_EVENTS, DISPUTES_RULINGS, TASKS_EVENTS

from .in_memory import PublishingHarness, serving, watch_topics

DEALER_A = "dealer-hangzhou"
DEALER_B = "dealer-shaoxing"
DEALER_C = "dealer-suzhou"
CUSTOMER_NAME = "杭州钱江建材市场有限公司"
DAY = timedelta(days=1)
FOLLOW_UPS = (
    (3, "visit", "met the purchasing manager on site"),
    (10, "quote", "quoted 1,200 m2 of floor tiles"),
    (17, "visit", "showroom visit with the project engineer"),
    (24, "meeting", "negotiated delivery dates"),
    (31, "check_in", "on-site check-in at the warehouse"),
)


class TrailBuilder:
    """Appends records to one customer's chain, each hashed over its fields and the previous hash."""

    def __init__(self, chain: str) -> None:
        self.chain = chain
        self.records: list[TrailRecord] = []

    def add(self, at: datetime, actor: str, kind: str, lead_id: UUID | None, content: dict[str, Any]) -> TrailRecord:
        previous = self.records[-1].hash if self.records else GENESIS
        unsealed = TrailRecord(
            record_id=str(uuid4()),
            seq=len(self.records) + 1,
            recorded_at=at,
            actor=actor,
            kind=kind,
            lead_id=str(lead_id) if lead_id else None,
            content=content,
            rule_set="building-materials",
            rule_version=1,
            prev_hash=previous,
            hash="",
        )
        record = unsealed.model_copy(update={"hash": record_hash(self.chain, unsealed)})
        self.records.append(record)
        return record

    def bundle(self, leads: list[TrailLead], locks: list[TrailLock], at: datetime) -> EvidenceBundle:
        head = self.records[-1].hash if self.records else GENESIS
        return EvidenceBundle(
            chain=self.chain,
            requested=f"customer:{self.chain}",
            generated_at=at,
            digest=head,
            verification=TrailVerification(intact=True, checked=len(self.records), head_hash=head),
            leads=leads,
            locks=locks,
            records=list(self.records),
        )


@dataclass
class Case:
    """The brief's building-materials case as registration's trail records it."""

    start: datetime
    chain: str
    lead_a: UUID
    lead_b: UUID
    bundle: EvidenceBundle
    verdicts: dict[UUID, list[Verdict]]


def building_materials_case(start: datetime) -> Case:
    """Dealer A registers the customer and follows it up for a month; dealer B from the neighbouring
    city registers it a month later, is refused as a duplicate, and says it made contact first."""
    chain, lead_a, lead_b = f"cust-{uuid4().hex[:10]}", uuid4(), uuid4()
    customer = {"name": CUSTOMER_NAME, "province": "浙江省", "city": "杭州市", "address": "杭州市上城区钱江路1号"}
    trail = TrailBuilder(chain)
    registered = {"lead_id": str(lead_a), "partner_id": DEALER_A, "channel": "dealer", "product_line": "tiles"}
    trail.add(start, DEALER_A, "registered", lead_a, {**registered, "customer": customer})
    trail.add(start, "registration", "decided", lead_a, {"outcome": "accepted", "reason": "first valid registration"})
    for day, kind, summary in FOLLOW_UPS:
        trail.add(start + day * DAY, DEALER_A, "activity", lead_a, {"kind": kind, "summary": summary})
    b_registered = {"lead_id": str(lead_b), "partner_id": DEALER_B, "channel": "dealer", "product_line": "tiles"}
    trail.add(start + 32 * DAY, DEALER_B, "registered", lead_b, {**b_registered, "customer": customer})
    trail.add(start + 32 * DAY, "registration", "decided", lead_b, {"outcome": "rejected", "reason": "duplicate"})
    b_at = start + 32 * DAY
    leads = [
        TrailLead(lead_id=lead_a, partner_id=DEALER_A, channel="dealer", status="accepted", received_at=start),
        TrailLead(
            lead_id=lead_b,
            partner_id=DEALER_B,
            channel="dealer",
            status="rejected",
            received_at=b_at,
            reason_code="duplicate",
        ),
    ]
    lock = TrailLock(
        lock_id=uuid4(),
        lead_id=lead_a,
        partner_id=DEALER_A,
        status="active",
        starts_at=start,
        expires_at=start + 121 * DAY,
    )
    verdicts = {
        lead_b: [
            Verdict(
                lead_id=lead_b,
                outcome="duplicate",
                customer_key=chain,
                matched_customer_key=chain,
                reason_code="duplicate",
                reason=f"same customer as an existing registration ({CUSTOMER_NAME})",
                explanation=[
                    MatchReason(field="name", score=1.0, detail="normalised names are identical"),
                    MatchReason(field="address", score=0.97, detail="same street address"),
                ],
            )
        ]
    }
    return Case(start, chain, lead_a, lead_b, trail.bundle(leads, [lock], start + 33 * DAY), verdicts)


def tampered(bundle: EvidenceBundle, seq: int, **content: Any) -> EvidenceBundle:
    """The bundle with one record's content changed after it was written (its hash left as it was)."""
    records = [
        r.model_copy(update={"content": {**r.content, **content}}) if r.seq == seq else r for r in bundle.records
    ]
    return bundle.model_copy(update={"records": records})


def dispute_by(
    claimant: str = DEALER_B,
    respondents: tuple[str, ...] = (DEALER_A,),
    *,
    lead_id: UUID | None = None,
    customer_key: str | None = None,
    opened_by: OpenedBy = OpenedBy.PARTNER,
    claim: str = "We visited this customer in January, weeks before dealer-hangzhou registered it.",
) -> DisputeOpened:
    return DisputeOpened(
        dispute_id=uuid4(),
        opened_by=opened_by,
        claimant_id=claimant,
        respondent_ids=list(respondents),
        lead_id=lead_id,
        customer_key=customer_key,
        claim=claim,
    )


class FakeEvidence:
    """Registration's evidence endpoints, from bundles the test hands over."""

    def __init__(self) -> None:
        self.bundles: list[EvidenceBundle] = []
        self.unavailable = False

    def serve(self, bundle: EvidenceBundle) -> None:
        self.bundles = [b for b in self.bundles if b.chain != bundle.chain] + [bundle]

    async def for_lead(self, lead_id: UUID) -> EvidenceBundle | None:
        self._check()
        return next((b for b in self.bundles if b.lead(lead_id) is not None), None)

    async def for_customer(self, customer_key: str) -> EvidenceBundle | None:
        self._check()
        return next((b for b in self.bundles if b.chain == customer_key), None)

    def _check(self) -> None:
        if self.unavailable:
            raise EvidenceUnavailable("registration is down")


class FakeVerdicts:
    def __init__(self) -> None:
        self.by_lead: dict[UUID, list[Verdict]] = {}

    async def for_lead(self, lead_id: UUID) -> list[Verdict]:
        return self.by_lead.get(lead_id, [])


class RecordingWorkflows:
    """Stands in for Temporal: remembers started cases; passes updates to handlers a test may set."""

    def __init__(self) -> None:
        self.started: dict[str, DisputeCase] = {}
        self.decisions: list[TaskDecision] = []
        self.appeals: list[AppealFiled] = []
        self.refuse_with: str | None = None

    async def start(self, workflow_id: str, case: DisputeCase) -> None:
        no_transaction_open("start")  # as the real Temporal client does
        self.started.setdefault(workflow_id, case)

    async def decide(self, workflow_id: str, decision: TaskDecision) -> str:
        self._maybe_refuse()
        self.decisions.append(decision)
        return f"ruling recorded: {decision.choice}"

    async def appeal(self, workflow_id: str, appeal: AppealFiled) -> str:
        self._maybe_refuse()
        self.appeals.append(appeal)
        return "appeal accepted"

    def _maybe_refuse(self) -> None:
        if self.refuse_with:
            raise WorkflowRefused(self.refuse_with)


@dataclass
class Court(PublishingHarness):
    """Arbitration alone on an in-memory broker and SQLite, with fakes for registration, dedup and Temporal."""

    broker: KafkaBroker
    runtime: ServiceRuntime
    components: Components
    evidence: FakeEvidence
    verdicts: FakeVerdicts
    workflows: RecordingWorkflows
    clock: FixedClock
    seen: dict[str, list[bytes]] = field(default_factory=dict)

    def hear(self, case: Case) -> None:
        self.evidence.serve(case.bundle)
        self.verdicts.by_lead.update(case.verdicts)

    def relayed(self) -> list[ServiceRuntime]:
        return [self.runtime]

    def steps(self, dispute_id: UUID) -> list[str]:
        return [
            e.payload.step.value
            for e in self.events(DISPUTES_EVENTS)
            if e.payload.dispute_id == dispute_id and not claimants_copy(e.payload)
        ]

    def client(
        self, role: Role, partner_id: str | None = None, regions: list[str] | None = None, subject: str | None = None
    ) -> httpx.AsyncClient:
        token = issue_token(
            self.runtime.settings.auth_secret,
            subject=subject or partner_id or f"{role.value}-1",
            role=role,
            partner_id=partner_id,
            regions=regions,
            now=datetime.now(UTC),  # tokens expire by the real clock, whatever time the test plays in
        )
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=build_app(self.runtime, self.components)),
            base_url="http://arbitration",
            headers={"Authorization": f"Bearer {token}"},
        )


WATCHED = (DISPUTES_EVENTS.name, DISPUTES_RULINGS.name, TASKS_EVENTS.name, "deadletter.arbitration")


@asynccontextmanager
async def open_court(data_dir: Path, now: datetime | None = None) -> AsyncIterator[Court]:
    broker = KafkaBroker()
    clock = FixedClock(now or datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    evidence, verdicts, workflows = FakeEvidence(), FakeVerdicts(), RecordingWorkflows()
    runtime, components = build_runtime(
        ArbitrationSettings(data_dir=data_dir, consumer_max_attempts=1),
        clock=clock,
        broker=broker,
        evidence=evidence,
        verdicts=verdicts,
        workflows=workflows,
    )
    court = Court(broker, runtime, components, evidence, verdicts, workflows, clock)
    watch_topics(broker, court.seen, WATCHED)
    async with serving(broker, [runtime]):
        yield court


def claimants_copy(step: DisputeProgressed) -> bool:
    """The claimant's copy of a step (which says 'respondent'); every step has one other copy for the rest."""
    return step.audience is not None and step.audience == step.parties[:1] and len(step.parties) > 1
