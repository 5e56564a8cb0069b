"""Qualification on the in-memory broker: red cards, intake, duplicates, resubmission, revocation, bad input."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from faststream.kafka import KafkaBroker, KafkaMessage, TestKafkaBroker

from referee_dedup.app import build_runtime as build_dedup
from referee_dedup.settings import DedupSettings
from referee_qualification.app import build_runtime as build_qualification
from referee_qualification.settings import QualificationSettings
from referee_qualification.usecases import Qualifications
from referee_qualification.workflows.models import APPROVE, REJECT, ReviewDecided, ReviewInput, ValidityInput
from referee_qualification.workflows.steps import ReviewSteps
from referee_registration.app import build_runtime as build_registration
from referee_registration.settings import RegistrationSettings
from referee_shared.calls import no_transaction_open
from referee_shared.clock import FixedClock
from referee_shared.events.catalog import decode
from referee_shared.events.envelope import Envelope
from referee_shared.events.leads import DecisionOutcome
from referee_shared.events.qualifications import QualificationChange, QualificationSubmitted
from referee_shared.events.tasks import TaskDecision
from referee_shared.kafka.deadletter import DeadLetter
from referee_shared.runtime import ServiceRuntime
from referee_shared.topics import LEADS_DECISIONS, LEADS_SUBMITTED, QUALIFICATIONS_DECISIONS, QUALIFICATIONS_SUBMITTED

from ..builders import certificate, customer, envelope, submission
from .conftest import RecordingLocks

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
HOSPITAL = customer(name="浙江大学医学院附属第一医院", department="骨科")


def licence(partner_id: str = "agent-li", **fields: Any) -> QualificationSubmitted:
    """A certificate valid for two years from the test's today."""
    return certificate(partner_id, **{"valid_from": NOW.date(), **fields})


class RecordingReviews:
    """Stands in for Temporal: remembers which reviews were started and which validities ended."""

    def __init__(self) -> None:
        self.started: list[tuple[str, ReviewInput]] = []
        self.validities: list[tuple[str, ValidityInput]] = []
        self.ended: list[tuple[str, str]] = []

    async def start_review(self, workflow_id: str, review: ReviewInput) -> None:
        no_transaction_open("start_review")  # as the real Temporal client does
        self.started.append((workflow_id, review))

    async def start_validity(self, workflow_id: str, validity: ValidityInput) -> None:
        no_transaction_open("start_validity")  # as the real Temporal client does
        self.validities.append((workflow_id, validity))

    async def end_validity(self, workflow_id: str, reason: str) -> None:
        no_transaction_open("end_validity")  # as the real Temporal client does
        self.ended.append((workflow_id, reason))


@dataclass
class QualificationSystem:
    broker: KafkaBroker
    runtimes: dict[str, ServiceRuntime]
    qualifications: Qualifications
    reviews: RecordingReviews
    clock: FixedClock
    seen: dict[str, list[bytes]]

    async def publish(self, topic_name: str, value: bytes) -> None:
        await self.broker.publish(value, topic_name)
        await self.settle()

    async def settle(self) -> None:
        while sum([await runtime.relay.publish_pending() for runtime in self.runtimes.values()]):
            pass

    async def submit(self, qualification: QualificationSubmitted) -> None:
        await self.publish(QUALIFICATIONS_SUBMITTED.name, envelope(qualification).model_dump_json().encode())

    async def register(self, partner_id: str = "agent-li") -> Any:
        lead = submission(partner_id, who=HOSPITAL, product_line="orthopaedics", channel="agent")  # type: ignore[arg-type]
        await self.publish(LEADS_SUBMITTED.name, envelope(lead).model_dump_json().encode())
        [decision] = [d.payload for d in self.events(LEADS_DECISIONS) if d.payload.lead_id == lead.lead_id]
        return decision

    async def decide(self, review: ReviewInput, choice: str, reason: str = "certificate checked") -> str:
        decision = TaskDecision(
            task_id=review.first.task_id, choice=choice, reason=reason, decided_by="reviewer-zhang", role="reviewer"
        )
        step = ReviewDecided(
            step=f"test/{uuid4()}",
            submission_id=review.submission_id,
            at=self.clock.now(),
            task=review.first,
            decision=decision,
            validity=review.validity,
            validity_workflow_id=review.validity_workflow_id,
        )
        status = await ReviewSteps(self.runtimes["qualification"].transactions, self.reviews).decide(step)
        await self.settle()
        return status

    def events(self, topic: Any) -> list[Envelope[Any]]:
        return [decode(topic, raw) for raw in self.seen.get(topic.name, [])]

    def changes(self) -> list[Any]:
        return [e.payload for e in self.events(QUALIFICATIONS_DECISIONS)]

    def dead_letters(self) -> list[DeadLetter]:
        return [DeadLetter.model_validate_json(raw) for raw in self.seen.get("deadletter.qualification", [])]


@asynccontextmanager
async def running_system(tmp_path: Path) -> AsyncIterator[QualificationSystem]:
    """Registration, dedup and qualification on one in-memory broker, with Temporal replaced by a recorder."""
    broker, clock, reviews = KafkaBroker(), FixedClock(NOW), RecordingReviews()
    common: dict[str, Any] = {"data_dir": tmp_path, "consumer_max_attempts": 1}
    qualification_runtime, qualifications = build_qualification(
        QualificationSettings(**common), broker=broker, clock=clock, reviews=reviews
    )
    runtimes = {
        "registration": build_registration(
            RegistrationSettings(**common), broker=broker, clock=clock, locks=RecordingLocks()
        )[0],
        "dedup": build_dedup(DedupSettings(**common), broker=broker, clock=clock)[0],
        "qualification": qualification_runtime,
    }
    built = QualificationSystem(broker, runtimes, qualifications, reviews, clock, {})
    for name in (LEADS_DECISIONS.name, QUALIFICATIONS_DECISIONS.name, "deadletter.qualification"):

        def remember(topic: str) -> Any:
            async def watch(msg: KafkaMessage) -> None:
                built.seen.setdefault(topic, []).append(msg.body)

            return watch

        broker.subscriber(name, group_id=f"test-watch-{name}")(remember(name))
    async with TestKafkaBroker(broker):
        for runtime in runtimes.values():
            await runtime.migrate()
        yield built
    for runtime in runtimes.values():
        await runtime.engine.dispose()


@pytest.fixture
async def system(tmp_path: Path) -> AsyncIterator[QualificationSystem]:
    async with running_system(tmp_path) as built:
        yield built


async def test_agent_without_orthopaedics_qualification_is_refused_naming_what_to_submit(
    system: QualificationSystem,
) -> None:
    decision = await system.register("agent-li")

    assert decision.outcome is DecisionOutcome.REJECTED
    assert decision.reason_code == "not_qualified"
    assert "'orthopaedic-device-distribution'" in decision.reason
    assert "rule medical-devices@1" in decision.reason
    assert "GET /qualifications/requirements/orthopaedics" in decision.reason
    assert (decision.rule_set, decision.rule_version) == ("medical-devices", 1)


async def test_submission_is_pending_with_a_review_due_by_the_rule_deadline(system: QualificationSystem) -> None:
    original = licence("agent-li")
    await system.submit(original)

    [(workflow_id, review)] = system.reviews.started
    assert workflow_id.startswith("qualification-review-agent-li:orthopaedics:")
    assert review.first.due_at == NOW + timedelta(hours=72)
    assert review.first.role == "reviewer"
    assert review.escalation_role == "admin"
    assert review.escalation_hours == 48
    [received] = system.changes()
    assert received.change is QualificationChange.RECEIVED
    assert received.status == "pending"
    assert received.due_at == NOW + timedelta(hours=72)
    assert received.qualification == "orthopaedic-device-distribution"


async def test_pending_qualification_does_not_let_the_agent_register_yet(system: QualificationSystem) -> None:
    await system.submit(licence("agent-li"))

    decision = await system.register("agent-li")
    assert decision.outcome is DecisionOutcome.REJECTED
    assert "is still under review" in decision.reason


async def test_after_approval_the_same_registration_is_accepted(system: QualificationSystem) -> None:
    assert (await system.register("agent-li")).outcome is DecisionOutcome.REJECTED
    await system.submit(licence("agent-li"))
    [(_, review)] = system.reviews.started

    assert await system.decide(review, APPROVE) == "approved"
    assert system.reviews.validities == [(review.validity_workflow_id, review.validity)]
    assert (await system.register("agent-li")).outcome is DecisionOutcome.ACCEPTED
    assert [c.change for c in system.changes()] == [QualificationChange.RECEIVED, QualificationChange.APPROVED]


async def test_expiry_instants_handed_to_the_review_follow_the_certificate_dates(system: QualificationSystem) -> None:
    await system.submit(licence("agent-li", valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31)))

    [(_, review)] = system.reviews.started
    assert review.validity.lapses_at == datetime(2026, 12, 31, 16, tzinfo=UTC)
    assert review.validity.warns_at == datetime(2026, 12, 1, 16, tzinfo=UTC)
    assert review.validity_workflow_id.startswith("qualification-validity-agent-li:orthopaedics:")


async def test_duplicate_submission_of_the_same_certificate_starts_no_second_review(
    system: QualificationSystem,
) -> None:
    first = licence("agent-li", number="浙械2026001")
    again = licence("agent-li", number="浙械 2026001", valid_from=first.valid_from, valid_to=first.valid_to)
    await system.submit(first)
    await system.submit(again)

    assert len(system.reviews.started) == 1
    _, duplicate = system.changes()
    assert duplicate.change is QualificationChange.DUPLICATE
    assert duplicate.submission_id == first.submission_id
    assert duplicate.duplicate_submission_id == again.submission_id
    assert "no second review" in duplicate.reason


async def test_redelivered_submission_changes_nothing(system: QualificationSystem) -> None:
    event = envelope(licence("agent-li")).model_dump_json().encode()
    await system.publish(QUALIFICATIONS_SUBMITTED.name, event)
    await system.publish(QUALIFICATIONS_SUBMITTED.name, event)

    assert len(system.reviews.started) == 1
    assert len(system.changes()) == 1


async def test_resubmission_after_rejection_is_reviewed_again(system: QualificationSystem) -> None:
    original = licence("agent-li")
    await system.submit(original)
    [(workflow_id, review)] = system.reviews.started
    assert await system.decide(review, REJECT, "scan unreadable") == "rejected"

    resubmitted = licence("agent-li", valid_from=original.valid_from, valid_to=original.valid_to)
    await system.submit(resubmitted)

    assert len(system.reviews.started) == 2
    second_id, second = system.reviews.started[1]
    assert second_id == workflow_id  # the same certificate: a new run of its review
    assert second.submission_id == resubmitted.submission_id
    assert system.reviews.validities == []
    rejected = next(c for c in system.changes() if c.change is QualificationChange.REJECTED)
    assert rejected.reason == "scan unreadable"
    assert rejected.decided_by == "reviewer-zhang"


async def test_revocation_by_hq_refuses_the_next_registration_at_once(system: QualificationSystem) -> None:
    await system.submit(licence("agent-li"))
    [(_, review)] = system.reviews.started
    await system.decide(review, APPROVE)
    assert (await system.register("agent-li")).outcome is DecisionOutcome.ACCEPTED

    revoked = await system.qualifications.revoke(review.submission_id, actor="hq-compliance-wang", reason="fraud")
    await system.settle()

    assert revoked.status == "revoked"
    assert system.reviews.ended == [(review.validity_workflow_id, "fraud")]
    refused = await system.register("agent-li")
    assert refused.outcome is DecisionOutcome.REJECTED
    assert "was revoked by HQ (fraud)" in refused.reason
    change = system.changes()[-1]
    assert (change.change, change.decided_by, change.reason) == (
        QualificationChange.REVOKED,
        "hq-compliance-wang",
        "fraud",
    )


async def test_a_revoked_certificate_submitted_again_is_rejected_without_review(system: QualificationSystem) -> None:
    original = licence("agent-li")
    await system.submit(original)
    [(_, review)] = system.reviews.started
    await system.decide(review, APPROVE)
    await system.qualifications.revoke(review.submission_id, actor="hq", reason="licence withdrawn by the regulator")

    await system.submit(licence("agent-li", valid_from=original.valid_from, valid_to=original.valid_to))

    assert len(system.reviews.started) == 1
    last = system.changes()[-1]
    assert last.change is QualificationChange.REJECTED
    assert "was revoked by HQ" in last.reason


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            {"valid_from": "2026-06-01", "valid_to": "2026-05-01"},
            "invalid qualification.submitted v1: payload: Value error, "
            "valid_to 2026-05-01 is before valid_from 2026-06-01",
        ),
        ({"document": None}, "invalid qualification.submitted v1: payload.document: Field required"),
        ({"product_line": "spaceships"}, "unknown product line 'spaceships'; known: cardiology, cnc-machines"),
        ({"product_line": "tiles"}, "product line 'tiles' needs no qualification under building-materials@1"),
        ({"valid_from": "2025-01-01", "valid_to": "2026-05-31"}, "the certificate expired on 2026-05-31"),
    ],
    ids=["ends-before-it-starts", "missing-document", "unknown-product-line", "nothing-required", "already-expired"],
)
async def test_bad_submission_is_dead_lettered_with_the_reason(
    system: QualificationSystem, change: dict[str, Any], reason: str
) -> None:
    document = json.loads(envelope(licence("agent-li")).model_dump_json())
    document["payload"].update(change)
    document["payload"] = {k: v for k, v in document["payload"].items() if v is not None}
    await system.publish(QUALIFICATIONS_SUBMITTED.name, json.dumps(document).encode())

    [letter] = system.dead_letters()
    assert letter.reason.startswith(reason)
    assert system.reviews.started == []
    assert system.changes() == []
