"""Qualification through the real Kafka, Temporal and PostgreSQL: the brief's medical case, reviews in the
shared inbox, duplicates, resubmission, revocation by HQ, the expiry warning and bad submissions."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from temporalio.client import WorkflowHandle

from referee_qualification.app import build_app
from referee_qualification.store import QualificationRepository
from referee_qualification.usecases import Qualifications
from referee_qualification.workflows.review import QualificationReviewWorkflow
from referee_qualification.workflows.validity import CertificateValidityWorkflow
from referee_shared.auth import Role, issue_token
from referee_shared.events.common import Channel
from referee_shared.events.leads import DecisionOutcome, LeadDecision
from referee_shared.events.qualifications import QualificationChange, QualificationChanged, QualificationSubmitted
from referee_shared.events.tasks import TaskClosed, TaskDecision, TaskKind, TaskOpened
from referee_shared.kafka.deadletter import DeadLetter
from referee_shared.topics import (
    LEADS_DECISIONS,
    LEADS_SUBMITTED,
    QUALIFICATIONS_DECISIONS,
    QUALIFICATIONS_SUBMITTED,
    TASKS_EVENTS,
    dead_letter_topic,
)

from ..builders import certificate, customer, envelope, make_uscc, submission
from ..stack import Stack


def new_agent() -> str:
    return f"agent-{uuid.uuid4().hex[:8]}"


def hospital(serial: int) -> Any:
    return customer(f"浙江省第{serial}人民医院", uscc=make_uscc(serial), department="骨科")


async def register(stack: Stack, agent: str, serial: int) -> LeadDecision:
    lead = submission(agent, who=hospital(serial), product_line="orthopaedics", channel=Channel.AGENT)
    await stack.publish(LEADS_SUBMITTED, envelope(lead), key=str(lead.lead_id))
    [decision] = await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == lead.lead_id)
    return decision.payload  # type: ignore[no-any-return]


async def task_opened(stack: Stack, licence: QualificationSubmitted, level: int = 1) -> TaskOpened:
    [opened] = await stack.events(
        TASKS_EVENTS,
        lambda e: (
            isinstance(e.payload, TaskOpened)
            and e.payload.details.get("submission_id") == str(licence.submission_id)
            and e.payload.level == level
        ),
    )
    return opened.payload  # type: ignore[no-any-return]


async def change(stack: Stack, licence: QualificationSubmitted, kind: QualificationChange) -> QualificationChanged:
    [found] = await stack.events(
        QUALIFICATIONS_DECISIONS,
        lambda e: e.payload.submission_id == licence.submission_id and e.payload.change is kind,
    )
    return found.payload  # type: ignore[no-any-return]


def review(stack: Stack, task: TaskOpened) -> WorkflowHandle[QualificationReviewWorkflow, str]:
    assert stack.temporal is not None
    return stack.temporal.get_workflow_handle_for(QualificationReviewWorkflow.run, task.workflow_id)


async def decide(stack: Stack, task: TaskOpened, choice: str, reason: str) -> str:
    """What the shared inbox does when a reviewer completes the task: the task's update on its workflow."""
    decision = TaskDecision(
        task_id=task.task_id, choice=choice, reason=reason, decided_by="reviewer-zhang", role=task.role
    )
    return await review(stack, task).execute_update(QualificationReviewWorkflow.decide, decision)


async def approved(stack: Stack, licence: QualificationSubmitted) -> TaskOpened:
    await stack.publish(QUALIFICATIONS_SUBMITTED, envelope(licence), key=licence.partner_id)
    task = await task_opened(stack, licence)
    assert await decide(stack, task, "approve", "licence checked against the NMPA register") == "approved"
    return task


@pytest.fixture
async def http(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    runtime = stack.runtimes["qualification"][0]
    qualifications: Qualifications = stack.services["qualification"][0]
    app = build_app(runtime, qualifications)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://qualification") as client:
        yield client


def bearer(stack: Stack, role: Role, partner_id: str | None = None) -> dict[str, str]:
    secret = stack.settings("qualification").auth_secret
    token = issue_token(secret, subject=f"{role.value}-wang", role=role, partner_id=partner_id, now=datetime.now(UTC))
    return {"Authorization": f"Bearer {token}"}


async def test_agent_without_orthopaedics_qualification_is_refused_and_after_approval_accepted(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    agent = new_agent()
    refused = await register(stack, agent, 501)
    assert refused.outcome is DecisionOutcome.REJECTED
    assert refused.reason_code == "not_qualified"
    assert "'orthopaedic-device-distribution'" in refused.reason
    assert "rule medical-devices@1" in refused.reason

    licence = certificate(agent, regions=["浙江省"])
    await stack.publish(QUALIFICATIONS_SUBMITTED, envelope(licence), key=agent)
    task = await task_opened(stack, licence)
    assert task.kind is TaskKind.QUALIFICATION_REVIEW
    assert (task.role, task.level, task.update_name, task.choices) == ("reviewer", 1, "decide", ["approve", "reject"])
    assert task.region == "浙江省"
    assert task.subject_party_ids == [agent]
    assert task.due_at is not None
    assert timedelta(hours=71) < task.due_at - task.opened_at <= timedelta(hours=72)
    assert task.details["certificate_number"] == licence.certificate_number
    assert task.details["document"]["sha256"] == licence.document.sha256
    pending = await http.get(f"/qualifications/{licence.submission_id}", headers=bearer(stack, Role.PARTNER, agent))
    assert pending.json()["status"] == "pending"

    assert await decide(stack, task, "approve", "licence checked against the NMPA register") == "approved"

    [closed] = await stack.events(
        TASKS_EVENTS, lambda e: isinstance(e.payload, TaskClosed) and e.payload.task_id == task.task_id
    )
    assert (closed.payload.outcome, closed.payload.decided_by) == ("approve", "reviewer-zhang")
    outcome = await change(stack, licence, QualificationChange.APPROVED)
    assert outcome.reason == "licence checked against the NMPA register"
    seen = await http.get(f"/qualifications/{licence.submission_id}", headers=bearer(stack, Role.PARTNER, agent))
    assert seen.json()["status"] == "approved"
    accepted = await register(stack, agent, 501)
    assert accepted.outcome is DecisionOutcome.ACCEPTED


async def test_duplicate_submission_starts_no_second_review_and_rejection_can_be_resubmitted(stack: Stack) -> None:
    agent = new_agent()
    licence = certificate(agent)
    copy = licence.model_copy(update={"submission_id": uuid.uuid4()})
    await stack.publish(QUALIFICATIONS_SUBMITTED, envelope(licence), key=agent)
    await stack.publish(QUALIFICATIONS_SUBMITTED, envelope(copy), key=agent)

    duplicate = await change(stack, licence, QualificationChange.DUPLICATE)
    assert duplicate.duplicate_submission_id == copy.submission_id
    task = await task_opened(stack, licence)
    assert await decide(stack, task, "reject", "the scan is unreadable") == "rejected"
    rejected = await change(stack, licence, QualificationChange.REJECTED)
    assert rejected.reason == "the scan is unreadable"

    resubmitted = licence.model_copy(update={"submission_id": uuid.uuid4()})
    await stack.publish(QUALIFICATIONS_SUBMITTED, envelope(resubmitted), key=agent)
    second = await task_opened(stack, resubmitted)

    assert second.workflow_id == task.workflow_id  # the same certificate, reviewed afresh
    assert second.details["earlier_submissions"][0]["reason"] == "the scan is unreadable"
    opened_for = [
        e.payload.details.get("submission_id")
        for e in stack.all_events(TASKS_EVENTS)
        if isinstance(e.payload, TaskOpened)
    ]
    assert str(copy.submission_id) not in opened_for


async def test_revocation_by_hq_over_http_refuses_the_next_registration_at_once(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    agent = new_agent()
    licence = certificate(agent)
    await approved(stack, licence)
    assert (await register(stack, agent, 502)).outcome is DecisionOutcome.ACCEPTED

    by_partner = await http.post(
        f"/qualifications/{licence.submission_id}/revoke",
        json={"reason": "x"},
        headers=bearer(stack, Role.PARTNER, agent),
    )
    revoked = await http.post(
        f"/qualifications/{licence.submission_id}/revoke",
        json={"reason": "licence suspended by the regulator"},
        headers=bearer(stack, Role.ADMIN),
    )

    assert by_partner.status_code == 403
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    refused = await register(stack, agent, 503)
    assert refused.outcome is DecisionOutcome.REJECTED
    assert "was revoked by HQ (licence suspended by the regulator)" in refused.reason
    published = await change(stack, licence, QualificationChange.REVOKED)
    assert published.decided_by == "admin-wang"
    assert stack.temporal is not None
    validity = stack.temporal.get_workflow_handle_for(
        CertificateValidityWorkflow.run, await validity_workflow_id(stack, licence)
    )
    assert await validity.result() == "revoked"


async def validity_workflow_id(stack: Stack, licence: QualificationSubmitted) -> str:
    runtime = stack.runtimes["qualification"][0]
    async with runtime.sessions() as session:
        stored = await QualificationRepository(session).get(licence.submission_id)
    assert stored is not None
    return stack.services["qualification"][0].validity_workflow_id(stored)  # type: ignore[no-any-return]


async def test_certificate_approved_inside_the_warning_window_is_warned_at_once(stack: Stack) -> None:
    agent = new_agent()
    today = datetime.now(UTC).date()
    licence = certificate(agent, valid_from=today - timedelta(days=300), valid_to=today + timedelta(days=10))
    await approved(stack, licence)

    warning = await change(stack, licence, QualificationChange.EXPIRING)
    assert warning.valid_to == licence.valid_to
    assert "submit a renewal" in warning.reason


async def test_bad_submissions_are_dead_lettered_with_the_reason_and_the_next_one_is_reviewed(stack: Stack) -> None:
    agent = new_agent()
    good = certificate(agent)
    document = json.loads(envelope(certificate(agent)).model_dump_json())
    backwards = {**document, "payload": {**document["payload"], "valid_from": "2026-06-01", "valid_to": "2026-05-01"}}
    unknown = {**document, "payload": {**document["payload"], "product_line": "spaceships"}}
    no_document = {**document, "payload": {k: v for k, v in document["payload"].items() if k != "document"}}
    for bad in (backwards, unknown, no_document):
        await stack.publish_document(QUALIFICATIONS_SUBMITTED, bad, key=agent)
    await stack.publish(QUALIFICATIONS_SUBMITTED, envelope(good), key=agent)  # same key: after them

    await task_opened(stack, good)
    assert stack.watcher is not None
    letters = [
        DeadLetter.model_validate_json(s.value)
        for s in await stack.watcher.wait_for(
            stack.topic(dead_letter_topic("qualification")), lambda s: s.key == agent.encode(), count=3
        )
    ]
    reasons = sorted(letter.reason for letter in letters)
    assert reasons[0].startswith("invalid qualification.submitted v1: payload.document: Field required")
    assert reasons[1].startswith("invalid qualification.submitted v1: payload: Value error, valid_to 2026-05-01")
    assert reasons[2].startswith("unknown product line 'spaceships'")
