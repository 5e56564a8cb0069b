"""Qualification's timelines on Temporal's time-skipping server: days of deadlines and validity in seconds.

The workflows run with their real activities against qualification's use cases on SQLite; what they
publish is read from the service's outbox (the relay would put it on Kafka)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from faststream.kafka import KafkaBroker
from sqlalchemy import select
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from referee_qualification.app import build_runtime
from referee_qualification.domain.certificate import local_date
from referee_qualification.domain.gating import GateDecision
from referee_qualification.settings import QualificationSettings
from referee_qualification.store import QualificationHistory, QualificationRepository
from referee_qualification.usecases import Qualifications
from referee_qualification.workflows.activities import ReviewActivities
from referee_qualification.workflows.client import TemporalReviews
from referee_qualification.workflows.models import VALIDITY_WORKFLOW_KIND
from referee_qualification.workflows.review import QualificationReviewWorkflow
from referee_qualification.workflows.steps import ReviewSteps
from referee_qualification.workflows.validity import CertificateValidityWorkflow
from referee_shared.clock import FixedClock
from referee_shared.events.catalog import decode
from referee_shared.events.envelope import Envelope
from referee_shared.events.qualifications import QualificationChange, QualificationChanged, QualificationSubmitted
from referee_shared.events.tasks import TaskClosed, TaskDecision, TaskKind, TaskOpened, TaskReminded
from referee_shared.runtime import ServiceRuntime
from referee_shared.settings import REPO_ROOT
from referee_shared.topics import QUALIFICATIONS_DECISIONS, TASKS_EVENTS, Topic

from ..builders import certificate, envelope

TEST_SERVER = REPO_ROOT / ".venv" / "bin" / "temporal-test-server"
ZONE = "Asia/Shanghai"
MINUTE = timedelta(minutes=1)


@dataclass
class Certificates:
    """Qualification's use cases and worker on the time-skipping server, and ways to look at what they did."""

    env: WorkflowEnvironment
    runtime: ServiceRuntime
    qualifications: Qualifications
    clock: FixedClock

    async def now(self) -> datetime:
        """The server's (skipped) time, which the service's clock follows."""
        self.clock.set(await self.env.get_current_time())
        return self.clock.now()

    async def today(self) -> date:
        return local_date(await self.now(), ZONE)

    async def submit(self, submission: QualificationSubmitted) -> WorkflowHandle[QualificationReviewWorkflow, str]:
        await self.now()
        await self.qualifications.submitted(envelope(submission))
        async with self.runtime.sessions() as session:
            stored = await QualificationRepository(session).get(submission.submission_id)
        assert stored is not None
        return self.env.client.get_workflow_handle_for(QualificationReviewWorkflow.run, stored.review_workflow_id)

    async def skip(self, duration: timedelta) -> None:
        await self.env.sleep(duration)

    async def decide(
        self,
        review: WorkflowHandle[QualificationReviewWorkflow, str],
        task_id: str,
        choice: str,
        *,
        role: str,
        by: str,
        reason: str = "ok",
    ) -> str:
        decision = TaskDecision(task_id=task_id, choice=choice, reason=reason, decided_by=by, role=role)
        return await review.execute_update(QualificationReviewWorkflow.decide, decision)

    async def standing(self, partner_id: str, product_line: str = "orthopaedics") -> GateDecision:
        await self.now()
        _, decision = await self.qualifications.standing(partner_id, product_line)
        return decision

    async def emitted(self, topic: Topic[Any]) -> list[Envelope[Any]]:
        table = self.runtime.transactions.tables.outbox
        async with self.runtime.sessions() as session:
            rows = await session.execute(
                select(table.c.value)
                .where(table.c.topic == topic.full_name(self.runtime.settings.topic_prefix))
                .order_by(table.c.id)
            )
            return [decode(topic, row.value) for row in rows]

    async def wait_for(
        self, topic: Topic[Any], predicate: Callable[[Any], bool], *, count: int = 1, timeout: float = 15
    ) -> list[Any]:
        """The payloads of ``topic`` matching ``predicate`` once there are ``count`` of them."""
        for _ in range(int(timeout / 0.05)):
            found = [e.payload for e in await self.emitted(topic) if predicate(e.payload)]
            if len(found) >= count:
                return found
            await asyncio.sleep(0.05)
        raise AssertionError(f"waited {timeout}s for {count} matching events on {topic.name}")

    async def change(self, submission_id: UUID, change: QualificationChange) -> QualificationChanged:
        [found] = await self.wait_for(
            QUALIFICATIONS_DECISIONS, lambda p: p.submission_id == submission_id and p.change is change
        )
        return found  # type: ignore[no-any-return]

    async def changes(self, submission_id: UUID) -> list[QualificationChange]:
        return [
            e.payload.change
            for e in await self.emitted(QUALIFICATIONS_DECISIONS)
            if e.payload.submission_id == submission_id
        ]

    async def task_opened(self, submission_id: UUID, level: int) -> TaskOpened:
        [opened] = await self.wait_for(
            TASKS_EVENTS,
            lambda p: (
                isinstance(p, TaskOpened) and p.details.get("submission_id") == str(submission_id) and p.level == level
            ),
        )
        return opened  # type: ignore[no-any-return]

    async def task_closed(self, task_id: str) -> TaskClosed:
        [closed] = await self.wait_for(TASKS_EVENTS, lambda p: isinstance(p, TaskClosed) and p.task_id == task_id)
        return closed  # type: ignore[no-any-return]

    async def history(self, submission_id: UUID) -> list[QualificationHistory]:
        async with self.runtime.sessions() as session:
            return await QualificationRepository(session).history(submission_id)

    def validity(self, submission: QualificationSubmitted) -> WorkflowHandle[CertificateValidityWorkflow, str]:
        from referee_qualification.domain.certificate import certificate_key

        key = certificate_key(
            submission.partner_id,
            submission.product_line,
            submission.certificate_number,
            submission.valid_from,
            submission.valid_to,
        )
        workflow_id = self.runtime.settings.workflow_id(VALIDITY_WORKFLOW_KIND, key)
        return self.env.client.get_workflow_handle_for(CertificateValidityWorkflow.run, workflow_id)


@pytest.fixture
async def certificates(time_skipping: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Certificates]:
    settings = QualificationSettings(data_dir=tmp_path, topic_prefix=f"ts-{uuid4().hex[:8]}.")
    clock = FixedClock(await time_skipping.get_current_time())
    reviews = TemporalReviews(lambda: time_skipping.client, settings.task_queue())
    runtime, qualifications = build_runtime(settings, clock=clock, broker=KafkaBroker(), reviews=reviews)
    await runtime.migrate()
    activities = ReviewActivities(ReviewSteps(runtime.transactions, reviews)).all()
    workflows = [QualificationReviewWorkflow, CertificateValidityWorkflow]
    async with Worker(
        time_skipping.client, task_queue=settings.task_queue(), workflows=workflows, activities=activities
    ):
        yield Certificates(time_skipping, runtime, qualifications, clock)
    await runtime.engine.dispose()


async def test_missed_review_deadline_escalates_to_hq_compliance_with_a_reminder(certificates: Certificates) -> None:
    licence = certificate("agent-li", valid_from=await certificates.today())
    review = await certificates.submit(licence)

    received = await certificates.change(licence.submission_id, QualificationChange.RECEIVED)
    first = await certificates.task_opened(licence.submission_id, level=1)
    assert first.kind is TaskKind.QUALIFICATION_REVIEW
    assert (first.role, first.update_name, first.choices) == ("reviewer", "decide", ["approve", "reject"])
    assert first.workflow_id == review.id
    assert first.due_at == received.due_at == received.at + timedelta(hours=72)
    assert first.subject_party_ids == ["agent-li"]
    assert first.details["certificate_number"] == licence.certificate_number
    assert first.details["qualification"] == "orthopaedic-device-distribution"
    assert first.details["document"]["sha256"] == licence.document.sha256

    await certificates.skip(timedelta(hours=72) + MINUTE)

    closed = await certificates.task_closed(first.task_id)
    assert closed.outcome == "escalated"
    second = await certificates.task_opened(licence.submission_id, level=2)
    assert second.role == "admin"
    assert second.title.startswith("Escalated to HQ compliance")
    assert second.details["escalated_from"]["task_id"] == first.task_id
    escalated = await certificates.change(licence.submission_id, QualificationChange.ESCALATED)
    assert escalated.level == 2
    assert escalated.due_at == second.due_at
    assert second.due_at == escalated.at + timedelta(hours=48)

    with pytest.raises(WorkflowUpdateFailedError) as late:
        await certificates.decide(review, first.task_id, "approve", role="reviewer", by="reviewer-zhang")
    assert "is not open on this review" in str(late.value.cause)
    with pytest.raises(WorkflowUpdateFailedError) as wrong_role:
        await certificates.decide(review, second.task_id, "approve", role="reviewer", by="reviewer-zhang")
    assert "may not decide a level-2 review" in str(wrong_role.value.cause)

    await certificates.skip(timedelta(hours=48) + MINUTE)
    reminder = await certificates.change(licence.submission_id, QualificationChange.REMINDER)
    assert "overdue" in reminder.reason
    [nudge] = await certificates.wait_for(
        TASKS_EVENTS, lambda p: isinstance(p, TaskReminded) and p.task_id == second.task_id
    )
    assert nudge.overdue
    assert nudge.due_at == second.due_at

    outcome = await certificates.decide(
        review, second.task_id, "approve", role="admin", by="hq-compliance-wang", reason="verified with the issuer"
    )
    assert outcome == "approved"
    decided = await certificates.task_closed(second.task_id)
    assert (decided.outcome, decided.decided_by, decided.reason) == (
        "approve",
        "hq-compliance-wang",
        "verified with the issuer",
    )
    approved = await certificates.change(licence.submission_id, QualificationChange.APPROVED)
    assert (approved.level, approved.decided_by) == (2, "hq-compliance-wang")
    assert [h.change for h in await certificates.history(licence.submission_id)] == [
        "received",
        "task_opened",
        "escalated",
        "task_opened",
        "reminder",
        "approved",
    ]
    assert await review.result() == "approved"


async def test_reviewer_decision_is_refused_for_a_choice_not_offered(certificates: Certificates) -> None:
    licence = certificate("agent-li", valid_from=await certificates.today())
    review = await certificates.submit(licence)
    task = await certificates.task_opened(licence.submission_id, level=1)

    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await certificates.decide(review, task.task_id, "maybe", role="reviewer", by="reviewer-zhang")
    assert "choice 'maybe' is not offered" in str(refused.value.cause)

    assert (
        await certificates.decide(review, task.task_id, "reject", role="reviewer", by="r", reason="blurry")
        == "rejected"
    )
    assert await review.result() == "rejected"
    with pytest.raises((WorkflowUpdateFailedError, RPCError)):  # the review is over
        await certificates.decide(review, task.task_id, "approve", role="reviewer", by="r")


async def test_certificate_warns_ahead_then_lapses_by_itself_and_gating_refuses_from_then_on(
    certificates: Certificates,
) -> None:
    today = await certificates.today()
    licence = certificate("agent-li", valid_from=today, valid_to=today + timedelta(days=40))
    review = await certificates.submit(licence)
    task = await certificates.task_opened(licence.submission_id, level=1)
    await certificates.decide(review, task.task_id, "approve", role="reviewer", by="reviewer-zhang")
    validity = certificates.validity(licence)
    lapses_at = datetime.fromisoformat(await validity.query(CertificateValidityWorkflow.lapses_at))
    assert (await certificates.standing("agent-li")).qualified

    await certificates.skip(lapses_at - timedelta(days=30) - await certificates.now() + MINUTE)
    warning = await certificates.change(licence.submission_id, QualificationChange.EXPIRING)
    assert warning.renewed_by is None
    assert "submit a renewal" in warning.reason

    await certificates.skip(lapses_at - await certificates.now() - MINUTE)
    assert (await certificates.standing("agent-li")).qualified  # the whole of the last day still counts
    assert QualificationChange.EXPIRED not in await certificates.changes(licence.submission_id)

    await certificates.skip(2 * MINUTE)
    expired = await certificates.change(licence.submission_id, QualificationChange.EXPIRED)
    assert expired.status == "expired"
    refused = await certificates.standing("agent-li")
    assert not refused.qualified
    assert f"lapsed after {licence.valid_to.isoformat()}" in refused.reason
    assert await validity.result() == "expired"


async def test_renewal_approved_before_expiry_continues_without_a_gap(certificates: Certificates) -> None:
    today = await certificates.today()
    old = certificate("agent-li", number="浙械2024001", valid_from=today, valid_to=today + timedelta(days=40))
    review = await certificates.submit(old)
    task = await certificates.task_opened(old.submission_id, level=1)
    await certificates.decide(review, task.task_id, "approve", role="reviewer", by="reviewer-zhang")

    await certificates.skip(timedelta(days=5))
    renewal = certificate(
        "agent-li",
        number="浙械2026007",
        valid_from=old.valid_to + timedelta(days=1),
        valid_to=old.valid_to + timedelta(days=730),
    )
    renewal_review = await certificates.submit(renewal)
    renewal_task = await certificates.task_opened(renewal.submission_id, level=1)
    await certificates.decide(renewal_review, renewal_task.task_id, "approve", role="reviewer", by="reviewer-zhang")

    lapses_at = datetime.fromisoformat(await certificates.validity(old).query(CertificateValidityWorkflow.lapses_at))
    await certificates.skip(lapses_at - timedelta(days=30) - await certificates.now() + MINUTE)
    warning = await certificates.change(old.submission_id, QualificationChange.EXPIRING)
    assert warning.renewed_by == renewal.submission_id
    assert "renewal 浙械2026007 continues it" in warning.reason
    await certificates.skip(lapses_at - await certificates.now() - MINUTE)
    on_last_day = await certificates.standing("agent-li")
    await certificates.skip(2 * MINUTE)
    lapsed = await certificates.change(old.submission_id, QualificationChange.EXPIRED)
    on_first_day_after = await certificates.standing("agent-li")

    assert on_last_day.qualified
    assert lapsed.renewed_by == renewal.submission_id
    assert on_first_day_after.qualified
    assert renewal.valid_to.isoformat() in on_first_day_after.reason


async def test_revocation_ends_the_validity_at_once_and_no_warning_follows(certificates: Certificates) -> None:
    today = await certificates.today()
    licence = certificate("agent-li", valid_from=today, valid_to=today + timedelta(days=40))
    review = await certificates.submit(licence)
    task = await certificates.task_opened(licence.submission_id, level=1)
    await certificates.decide(review, task.task_id, "approve", role="reviewer", by="reviewer-zhang")
    validity = certificates.validity(licence)
    await validity.query(CertificateValidityWorkflow.lapses_at)  # started

    await certificates.qualifications.revoke(licence.submission_id, actor="hq-compliance-wang", reason="fraud")
    refused = await certificates.standing("agent-li")

    assert not refused.qualified
    assert "was revoked by HQ (fraud)" in refused.reason
    assert await validity.result() == "revoked"
    await certificates.skip(timedelta(days=41))
    assert await certificates.changes(licence.submission_id) == [
        QualificationChange.RECEIVED,
        QualificationChange.APPROVED,
        QualificationChange.REVOKED,
    ]
