"""What-if over HTTP: an admin starts a run for a draft, follows its progress, reads the report and
downloads the changed decisions; the wrong people and wrong drafts are refused with the reason."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import pytest
import yaml

from referee_registration.app import build_app
from referee_registration.whatif.history import History
from referee_registration.whatif.runs import ReadProgress
from referee_shared.auth import Role

from ...whatif_history import building_materials, draft_of
from ..conftest import InMemorySystem
from ..test_registration_lifecycle import as_role

ADMIN = as_role(Role.ADMIN)


class Recorded:
    """A history as the topics would give it, without a broker."""

    def __init__(self, history: History) -> None:
        self.history = history
        self.asked_until: list[datetime] = []

    async def read(self, until: datetime, progress: ReadProgress | None = None) -> History:
        self.asked_until.append(until)
        return self.history


@pytest.fixture
def recorded() -> Recorded:
    return Recorded(building_materials())


@pytest.fixture
async def http(system: InMemorySystem, recorded: Recorded) -> AsyncIterator[httpx.AsyncClient]:
    assert system.registration is not None
    app = build_app(system.runtimes["registration"], system.registration, what_if_history=recorded)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://registration") as client:
        yield client


def radius_20() -> str:
    draft = draft_of("building-materials", **{"territory.cross_region_radius_km": 20})
    return yaml.safe_dump(draft.model_dump(mode="json"), allow_unicode=True)


async def finished(http: httpx.AsyncClient, run_id: str) -> dict[str, Any]:
    for _ in range(600):
        state: dict[str, Any] = (await http.get(f"/admin/rules/what-if/{run_id}", headers=ADMIN)).json()
        if state["stage"] in ("done", "failed"):
            return state
        await asyncio.sleep(0.05)
    raise AssertionError("the what-if run did not finish")


async def test_an_admin_runs_what_if_and_reads_the_report_and_the_changed_decisions(
    http: httpx.AsyncClient, recorded: Recorded
) -> None:
    started = await http.post("/admin/rules/what-if", json={"document": radius_20(), "months": 6}, headers=ADMIN)
    assert started.status_code == 202, started.text
    run_id = started.json()["run_id"]

    state = await finished(http, run_id)
    text = await http.get(f"/admin/rules/what-if/{run_id}/report.txt", headers=ADMIN)
    english = await http.get(f"/admin/rules/what-if/{run_id}/report.txt?lang=en", headers=ADMIN)
    csv = await http.get(f"/admin/rules/what-if/{run_id}/changes.csv", headers=ADMIN)
    xlsx = await http.get(f"/admin/rules/what-if/{run_id}/changes.xlsx?lang=en", headers=ADMIN)

    assert (state["stage"], state["progress"], state["error"]) == ("done", 1.0, None)
    assert state["report"]["draft"] == "building-materials@2"
    assert state["report"]["decisions_changed"] == 1
    [change] = state["report"]["changed"]
    assert (change["before"]["reason_code"], change["after"]["reason_code"]) == (
        "cross_region_radius",
        "first_valid_claim",
    )
    assert state["report"]["settlements"][0]["difference"] == "12000.00"
    assert len(recorded.asked_until) == 1
    assert "结论改变的报备：1 条" in text.text
    assert "Decisions that change: 1" in english.text
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.content.startswith("\ufeff".encode())
    assert 'filename="referee-what-if-building-materials-v2.csv"' in csv.headers["content-disposition"]
    assert xlsx.content[:2] == b"PK"


async def test_an_uploaded_version_can_be_tried_by_its_ref_and_an_unknown_one_is_not_found(
    http: httpx.AsyncClient,
) -> None:
    uploaded = await http.post(
        "/admin/rules/versions",
        json={"document": radius_20(), "reason": "渠道会议：跨区保护半径缩小到20公里"},
        headers=ADMIN,
    )
    assert uploaded.status_code == 201, uploaded.text

    by_ref = await http.post("/admin/rules/what-if", json={"ref": "building-materials@2"}, headers=ADMIN)
    unknown = await http.post("/admin/rules/what-if", json={"ref": "building-materials@9"}, headers=ADMIN)

    assert by_ref.status_code == 202, by_ref.text
    assert (await finished(http, by_ref.json()["run_id"]))["report"]["decisions_changed"] == 1
    assert unknown.status_code == 404
    assert "no rule set building-materials@9" in unknown.text


async def test_what_if_is_refused_to_non_admins_and_for_drafts_that_do_not_fit(http: httpx.AsyncClient) -> None:
    body = {"document": radius_20()}
    reviewer = await http.post("/admin/rules/what-if", json=body, headers=as_role(Role.REVIEWER))
    anonymous = await http.post("/admin/rules/what-if", json=body)
    both = await http.post("/admin/rules/what-if", json={**body, "ref": "building-materials@1"}, headers=ADMIN)
    broken = await http.post("/admin/rules/what-if", json={"document": "id: [unclosed"}, headers=ADMIN)
    unknown_set = await http.post(
        "/admin/rules/what-if", json={"document": radius_20().replace("building-materials", "garden")}, headers=ADMIN
    )
    too_long = await http.post("/admin/rules/what-if", json={**body, "months": 37}, headers=ADMIN)
    future = await http.post("/admin/rules/what-if", json={**body, "until": "2099-01-01T00:00:00+08:00"}, headers=ADMIN)
    missing = await http.get("/admin/rules/what-if/6a1d2f3e-0000-4000-8000-000000000014", headers=ADMIN)

    assert (reviewer.status_code, anonymous.status_code) == (403, 401)
    assert both.status_code == 422
    assert "not both or neither" in both.text
    assert broken.status_code == 422
    assert "not YAML" in broken.text
    assert unknown_set.status_code == 422
    assert "no rule set 'garden' is running" in unknown_set.text
    assert too_long.status_code == 422
    assert future.status_code == 422
    assert "history ends now" in future.text
    assert missing.status_code == 404
