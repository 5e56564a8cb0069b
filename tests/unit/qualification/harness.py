"""Registration, dedup and qualification on one in-memory broker, with Temporal replaced by a recorder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

from faststream.kafka import KafkaBroker

from referee_dedup.app import build_runtime as build_dedup
from referee_dedup.settings import DedupSettings
from referee_qualification.app import build_runtime as build_qualification
from referee_qualification.settings import QualificationSettings
from referee_qualification.usecases import Qualifications
from referee_qualification.workflows.models import ReviewDecided, ReviewInput, ValidityInput
from referee_qualification.workflows.steps import ReviewSteps
from referee_registration.app import build_runtime as build_registration
from referee_registration.settings import RegistrationSettings
from referee_shared.calls import no_transaction_open
from referee_shared.clock import FixedClock
from referee_shared.events.catalog import decode
from referee_shared.events.envelope import Envelope
from referee_shared.events.qualifications import QualificationSubmitted
from referee_shared.events.tasks import TaskDecision
from referee_shared.kafka.deadletter import DeadLetter
from referee_shared.runtime import ServiceRuntime
from referee_shared.topics import LEADS_DECISIONS, LEADS_SUBMITTED, QUALIFICATIONS_DECISIONS, QUALIFICATIONS_SUBMITTED

from ...builders import certificate, customer, envelope, submission
from ...in_memory import relay_all, serving, watch_topics
from ..conftest import RecordingLocks

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
        await relay_all(self.runtimes.values())

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
    watch_topics(broker, built.seen, (LEADS_DECISIONS.name, QUALIFICATIONS_DECISIONS.name, "deadletter.qualification"))
    async with serving(broker, list(runtimes.values())):
        yield built
