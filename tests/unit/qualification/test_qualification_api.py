"""Qualification's HTTP API: partners follow their own certificates, reviewers list, HQ revokes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest

from referee_qualification.app import build_app
from referee_qualification.workflows.models import APPROVE
from referee_shared.auth import Role, issue_token

from .harness import QualificationSystem, licence


def bearer(system: QualificationSystem, role: Role, partner_id: str | None = None) -> dict[str, str]:
    secret = system.runtimes["qualification"].settings.auth_secret
    token = issue_token(
        secret, subject=f"{role.value}-{partner_id or 'hq'}", role=role, partner_id=partner_id, now=datetime.now(UTC)
    )
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def http(system: QualificationSystem) -> AsyncIterator[httpx.AsyncClient]:
    runtime = system.runtimes["qualification"]
    app = build_app(runtime, system.qualifications)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://qualification") as client:
        yield client


async def approved(system: QualificationSystem, partner_id: str) -> Any:
    await system.submit(licence(partner_id))
    _, review = system.reviews.started[-1]
    await system.decide(review, APPROVE)
    return review.submission_id


async def test_partner_sees_its_own_qualification_with_its_history(
    system: QualificationSystem,
    http: httpx.AsyncClient,
) -> None:
    submission_id = await approved(system, "agent-li")

    response = await http.get(f"/qualifications/{submission_id}", headers=bearer(system, Role.PARTNER, "agent-li"))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "approved"
    assert body["reason"] == "certificate checked"
    assert body["decided_by"] == "reviewer-zhang"
    assert [h["change"] for h in body["history"]] == ["received", "approved"]
    assert [h["actor"] for h in body["history"]] == ["agent-li", "reviewer-zhang"]


async def test_another_partners_qualification_answers_like_a_missing_one(
    system: QualificationSystem,
    http: httpx.AsyncClient,
) -> None:
    submission_id = await approved(system, "agent-li")

    theirs = await http.get(f"/qualifications/{submission_id}", headers=bearer(system, Role.PARTNER, "agent-wu"))
    missing = await http.get(f"/qualifications/{uuid4()}", headers=bearer(system, Role.PARTNER, "agent-wu"))
    listed = await http.get("/qualifications?partner_id=agent-li", headers=bearer(system, Role.PARTNER, "agent-wu"))

    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert listed.json() == []


async def test_partner_sees_what_it_must_submit_for_a_product_line(
    system: QualificationSystem,
    http: httpx.AsyncClient,
) -> None:
    headers = bearer(system, Role.PARTNER, "agent-li")
    before = (await http.get("/qualifications/requirements/orthopaedics", headers=headers)).json()
    await approved(system, "agent-li")
    after = (await http.get("/qualifications/requirements/orthopaedics", headers=headers)).json()
    tiles = (await http.get("/qualifications/requirements/tiles", headers=headers)).json()
    unknown = await http.get("/qualifications/requirements/spaceships", headers=headers)

    assert before["required"] == "orthopaedic-device-distribution"
    assert before["qualified"] is False
    assert "qualifications.submitted" in before["how_to_submit"]
    assert (before["rule_set"], before["rule_version"], before["review_deadline_hours"]) == ("medical-devices", 1, 72)
    assert after["qualified"] is True
    assert after["how_to_submit"] is None
    assert [q["status"] for q in after["held"]] == ["approved"]
    assert (tiles["required"], tiles["qualified"]) == (None, True)
    assert unknown.status_code == 404
    assert "unknown product line 'spaceships'" in unknown.json()["detail"]


async def test_reviewer_lists_everyones_pending_qualifications(
    system: QualificationSystem,
    http: httpx.AsyncClient,
) -> None:
    await approved(system, "agent-li")
    await system.submit(licence("agent-wu"))
    await system.submit(licence("agent-zhao", product_line="cardiology"))

    response = await http.get("/qualifications?status=pending", headers=bearer(system, Role.REVIEWER))

    assert sorted(q["partner_id"] for q in response.json()) == ["agent-wu", "agent-zhao"]
    assert (await http.get("/qualifications", headers=bearer(system, Role.FINANCE))).status_code == 403
    assert (await http.get("/qualifications")).status_code == 401


async def test_only_hq_revokes_and_only_an_approved_qualification(
    system: QualificationSystem,
    http: httpx.AsyncClient,
) -> None:
    submission_id = await approved(system, "agent-li")
    await system.submit(licence("agent-wu"))
    _, pending = system.reviews.started[-1]
    body = {"reason": "licence withdrawn by the regulator"}

    by_reviewer = await http.post(
        f"/qualifications/{submission_id}/revoke", json=body, headers=bearer(system, Role.REVIEWER)
    )
    by_hq = await http.post(f"/qualifications/{submission_id}/revoke", json=body, headers=bearer(system, Role.ADMIN))
    of_pending = await http.post(
        f"/qualifications/{pending.submission_id}/revoke", json=body, headers=bearer(system, Role.ADMIN)
    )
    of_missing = await http.post(f"/qualifications/{uuid4()}/revoke", json=body, headers=bearer(system, Role.ADMIN))
    without_reason = await http.post(
        f"/qualifications/{submission_id}/revoke", json={"reason": ""}, headers=bearer(system, Role.ADMIN)
    )

    assert by_reviewer.status_code == 403
    assert by_hq.status_code == 200
    assert by_hq.json()["status"] == "revoked"
    assert by_hq.json()["history"][-1] == {
        "at": by_hq.json()["history"][-1]["at"],
        "change": "revoked",
        "status": "revoked",
        "actor": "admin-hq",
        "reason": "licence withdrawn by the regulator",
    }
    assert of_pending.status_code == 409
    assert "a pending qualification cannot become revoked" in of_pending.json()["detail"]
    assert of_missing.status_code == 404
    assert without_reason.status_code == 422


async def test_partner_submits_over_http_and_bad_input_is_refused_with_the_reason(
    system: QualificationSystem,
    http: httpx.AsyncClient,
) -> None:
    headers = bearer(system, Role.PARTNER, "agent-li")
    good = licence("agent-li").model_dump(mode="json")
    backwards = {**good, "submission_id": str(uuid4()), "valid_from": "2026-06-01", "valid_to": "2026-05-01"}
    unknown_line = {**good, "submission_id": str(uuid4()), "product_line": "spaceships"}
    no_document = {k: v for k, v in good.items() if k != "document"}

    accepted = await http.post("/qualifications", json=good, headers=headers)
    await system.settle()
    in_other_name = await http.post("/qualifications", json=good, headers=bearer(system, Role.PARTNER, "agent-wu"))
    ends_before_start = await http.post("/qualifications", json=backwards, headers=headers)
    unknown = await http.post("/qualifications", json=unknown_line, headers=headers)
    missing_document = await http.post("/qualifications", json=no_document, headers=headers)

    assert accepted.status_code == 202
    assert len(system.reviews.started) == 1
    assert in_other_name.status_code == 403
    assert ends_before_start.status_code == 422
    assert "valid_to 2026-05-01 is before valid_from 2026-06-01" in ends_before_start.text
    assert unknown.status_code == 422
    assert "unknown product line 'spaceships'" in unknown.json()["detail"]
    assert missing_document.status_code == 422
    assert "document" in missing_document.text
