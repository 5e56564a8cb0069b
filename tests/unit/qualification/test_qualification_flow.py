"""Qualification on the in-memory broker: red cards, intake, duplicates, resubmission, revocation, bad input."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from referee_qualification.workflows.models import APPROVE, REJECT
from referee_shared.events.leads import DecisionOutcome
from referee_shared.events.qualifications import QualificationChange
from referee_shared.topics import QUALIFICATIONS_SUBMITTED

from ...builders import envelope
from .harness import NOW, QualificationSystem, licence


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
