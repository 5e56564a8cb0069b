"""The channel manager's rules page: the versions in force, a draft tried with what-if (progress, then the
report side by side, in Chinese, amounts in yuan), the changed decisions downloaded, the draft scheduled;
refused to a partner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient

from referee_console.app import create_app
from referee_console.settings import ConsoleSettings

VERSIONS: list[dict[str, Any]] = [
    {
        "ref": "building-materials@1",
        "title": "Building materials (建材) — regional dealers",
        "product_lines": ["tiles"],
        "effective_from": "2026-01-01T00:00:00+08:00",
        "uploaded_by": None,
        "reason": None,
    },
    {
        "ref": "building-materials@2",
        "title": "Building materials (建材) — regional dealers",
        "product_lines": ["tiles"],
        "effective_from": "2099-01-01T00:00:00+08:00",
        "uploaded_by": "manager",
        "reason": "<b>shorter radius</b>",
    },
]
SIDE = {"rule_ref": "building-materials@1", "customer_key": None, "lock_expires_at": None, "protected_until": None}
REPORT = {
    "rule_set": "building-materials",
    "draft": "building-materials@2",
    "replaced": ["building-materials@1"],
    "since": "2026-06-01T00:00:00Z",
    "until": "2026-12-01T00:00:00Z",
    "months": 6,
    "registrations": 3,
    "decisions_changed": 1,
    "changed": [
        {
            "lead_id": "d8044fdc-efa0-5320-bb8d-4666902a5598",
            "partner_id": "dealer-shaoxing",
            "customer_name": "绍兴越城明远置业有限公司",
            "product_line": "coatings",
            "received_at": "2026-10-11T16:00:00Z",
            "before": {
                **SIDE,
                "outcome": "rejected",
                "reason_code": "cross_region_radius",
                "reason": "within 25.0 km of a customer protected by a partner of another region",
                "explanation": ["distance 0.17: 25.02 km to cust-1"],
            },
            "after": {
                **SIDE,
                "rule_ref": "building-materials@2",
                "outcome": "accepted",
                "reason_code": "first_valid_claim",
                "reason": "first valid registration of this customer; protected for 90 days",
                "explanation": [],
            },
        }
    ],
    "locks": [
        {
            "lead_id": "d8044fdc-efa0-5320-bb8d-4666902a5598",
            "partner_id": "dealer-shaoxing",
            "change": "granted",
            "before": None,
            "after": {
                "customer_key": "cust-2",
                "starts_at": "2026-10-11T16:00:00Z",
                "expires_at": "2027-01-09T16:00:00Z",
                "ended": "won",
                "ended_at": None,
            },
        }
    ],
    "figures": [{"measure": "refused_cross_region", "partner": "*", "before": 2, "after": 1}],
    "settlements": [
        {
            "party_id": "dealer-shaoxing",
            "before": "0.00",
            "after": "1200000.00",
            "difference": "1200000.00",
            "deals": ["deal-1"],
        }
    ],
    "deals_replayed": 1,
}
RUNNING = {
    "run_id": "r-1",
    "draft": "building-materials@2",
    "months": 6,
    "stage": "replaying",
    "progress": 0.4,
    "read": 4,
    "replayed": 3,
    "to_replay": 8,
    "error": None,
    "report": None,
}


class RulesApi:
    def __init__(self) -> None:
        self.posted: list[tuple[str, Any]] = []
        self.polls = 0

    async def get(self, _user: Any, service: str, path: str, **params: Any) -> Any:
        assert service == "registration"
        if path == "/admin/rules/versions":
            return VERSIONS
        self.polls += 1  # the run was replaying when started (RUNNING); by the first poll it is done
        return {**RUNNING, "stage": "done", "progress": 1.0, "report": REPORT}

    async def post(self, _user: Any, service: str, path: str, body: Any) -> Any:
        self.posted.append((path, body))
        if path == "/admin/rules/what-if":
            return RUNNING
        return {**VERSIONS[1], "effective_from": yaml.safe_load(body["document"])["effective_from"]}

    async def close(self) -> None:
        return None


def test_the_manager_tries_a_draft_sees_the_report_downloads_it_and_schedules_it(tmp_path: Path) -> None:
    draft = "id: building-materials\nversion: 2\neffective_from: 2099-01-01T00:00:00+08:00\n"
    with TestClient(create_app(ConsoleSettings(data_dir=tmp_path, demo_users=True))) as client:
        fake = RulesApi()
        client.app.state.console.services = fake  # type: ignore[attr-defined]
        client.post("/login", data={"username": "manager", "password": "referee"}, follow_redirects=False)
        page = client.get("/manager/rules")
        started = client.post("/manager/rules/what-if", data={"document": draft, "months": "3"})
        done = client.get("/manager/rules/what-if/r-1/progress")
        csv = client.get("/manager/rules/what-if/r-1/changes.csv")
        xlsx = client.get("/manager/rules/what-if/r-1/changes.xlsx")
        scheduled = client.post(
            "/manager/rules/schedule",
            data={"document": draft, "reason": "渠道会议：半径缩小", "effective_from": "2027-01-01T00:00"},
        )
        client.post("/logout")
        client.post("/login", data={"username": "hangzhou", "password": "referee"}, follow_redirects=False)
        refused = client.get("/manager/rules")

    assert page.status_code == 200
    assert "生效中" in page.text
    assert "已排期" in page.text
    assert "<b>shorter radius</b>" not in page.text  # the uploader's words are escaped
    assert started.status_code == 200
    assert "<progress" in started.text
    assert 'hx-trigger="every 1s"' in started.text
    assert ("/admin/rules/what-if", {"document": draft, "months": 3}) in fake.posted
    assert "hx-trigger" not in done.text  # done: polling stops
    assert "结论改变的报备" in done.text
    assert "驳回" in done.text
    assert "受理并锁定" in done.text
    assert "¥1,200,000.00" in done.text
    assert csv.content.startswith("\ufeff".encode())
    assert "现行结论" in csv.content.decode("utf-8-sig")
    assert xlsx.content[:2] == b"PK"
    path, body = fake.posted[-1]
    assert path == "/admin/rules/versions"
    assert yaml.safe_load(body["document"])["effective_from"] == "2027-01-01T00:00:00+08:00"
    assert "building-materials@2" in scheduled.text
    assert refused.status_code in (303, 403)
