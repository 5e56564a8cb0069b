"""What-if on the real Kafka, Temporal and PostgreSQL: registrations decided live by the running services,
a rule set version uploaded through the API (and published on rules.versions), then tried on the
history the topics hold — over HTTP and with the CLI against the served API. The replay's "before"
side is what the live services decided; the run publishes nothing and changes no decision or lock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from typer.testing import CliRunner

from referee_cli.main import app as cli
from referee_shared.auth import Role
from referee_shared.events.common import GeoPoint
from referee_shared.events.leads import DecisionOutcome
from referee_shared.topics import DEDUP_VERDICTS, LEADS_DECISIONS, LEADS_LOCKS, RULES_VERSIONS

from ..arbitration_stack import CourtStack, court_stack
from ..builders import customer, make_uscc, submission

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def court(infrastructure: None) -> AsyncIterator[CourtStack]:
    stack = court_stack("whatif")
    await stack.start()
    yield stack
    await stack.stop()


def radius(km: int, rules_dir: Path) -> str:
    document = yaml.safe_load((rules_dir / "building-materials.v1.yaml").read_text(encoding="utf-8"))
    document["version"] = 2
    document["effective_from"] = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    document["territory"]["cross_region_radius_km"] = km
    return yaml.safe_dump(document, allow_unicode=True)


async def finished(client: httpx.AsyncClient, run_id: str) -> dict[str, Any]:
    for _ in range(1200):
        state: dict[str, Any] = (await client.get(f"/admin/rules/what-if/{run_id}")).json()
        if state["stage"] in ("done", "failed"):
            return state
        await asyncio.sleep(0.1)
    raise AssertionError("the what-if run did not finish")


async def test_an_uploaded_radius_change_tried_on_live_history_names_the_decision_it_would_change(
    court: CourtStack, tmp_path: Path
) -> None:
    hangzhou = customer(
        "杭州萧山试算建材有限公司",
        uscc=make_uscc(9401),
        district="萧山区",
        address="浙江省杭州市萧山区临江大道8号",
        location=GeoPoint(lat=30.2000, lon=120.5000),
    )
    near = customer(  # about 12 km away, another region
        "绍兴柯桥试算装饰有限公司",
        uscc=make_uscc(9402),
        city="绍兴市",
        district="柯桥区",
        address="浙江省绍兴市柯桥区华舍街道1号",
        location=GeoPoint(lat=30.0950, lon=120.5000),
    )
    farther = customer(  # about 25 km away
        "绍兴越城试算置业有限公司",
        uscc=make_uscc(9403),
        city="绍兴市",
        district="越城区",
        address="浙江省绍兴市越城区解放北路20号",
        location=GeoPoint(lat=29.9750, lon=120.5000),
    )
    first = await court.register(submission("dealer-hangzhou", who=hangzhou))
    near_lead = submission("dealer-shaoxing", who=near)
    farther_lead = submission("dealer-shaoxing", who=farther, product_line="coatings")
    near_decision = await court.register(near_lead)
    farther_decision = await court.register(farther_lead)
    assert first.outcome is DecisionOutcome.ACCEPTED
    assert (near_decision.reason_code, farther_decision.reason_code) == ("cross_region_radius", "cross_region_radius")

    rules_dir = court.settings("registration").rules_dir
    async with court.http("registration", court.token(Role.ADMIN, "channel-manager-li")) as admin:
        uploaded = await admin.post(
            "/admin/rules/versions",
            json={"document": radius(20, rules_dir), "reason": "渠道会议：跨区保护半径从30公里缩小到20公里"},
        )
        assert uploaded.status_code == 201, uploaded.text
        await court.events(RULES_VERSIONS, lambda e: e.payload.rule_set["version"] == 2)
        watched = (LEADS_DECISIONS, LEADS_LOCKS, DEDUP_VERDICTS)
        published = [len(court.all_events(t)) for t in watched]

        asked = {"ref": "building-materials@2", "months": 1, "until": datetime.now(UTC).isoformat()}
        runs = [(await admin.post("/admin/rules/what-if", json=asked)).json() for _ in range(2)]
        first_run, second_run = [await finished(admin, run["run_id"]) for run in runs]
        first_bytes, second_bytes = [
            (await admin.get(f"/admin/rules/what-if/{run['run_id']}/report.json")).content for run in runs
        ]

    assert (first_run["stage"], first_run["error"]) == ("done", None), first_run
    report = first_run["report"]
    assert report["registrations"] == 3
    [change] = report["changed"]
    assert change["lead_id"] == str(farther_lead.lead_id)
    # the replay's "before" is what the live services decided
    assert change["before"]["outcome"] == farther_decision.outcome.value
    assert change["before"]["reason_code"] == farther_decision.reason_code
    assert change["before"]["reason"] == farther_decision.reason
    assert (change["after"]["outcome"], change["after"]["rule_ref"]) == ("accepted", "building-materials@2")
    assert [lock["change"] for lock in report["locks"]] == ["granted"]
    # same history, same version: the same report, byte for byte
    assert first_bytes == second_bytes
    assert second_run["report"] == report

    # the CLI against the served API prints the same report in Chinese and saves the CSV
    csv = tmp_path / "changes.csv"
    url = f"http://127.0.0.1:{court.ports['registration']}"
    printed = await asyncio.to_thread(
        CliRunner().invoke,
        cli,
        ["rules", "what-if", "--version", "building-materials@2", "--months", "1", "--url", url, "--csv", str(csv)],
    )
    assert printed.exit_code == 0, printed.output
    assert "结论改变的报备：1 条" in printed.output
    assert "绍兴越城试算置业有限公司" in printed.output
    assert csv.read_bytes().startswith("\ufeff".encode())

    # nothing was decided, locked or published by the runs
    await asyncio.sleep(1)
    assert [len(court.all_events(t)) for t in watched] == published
    decided = [e for e in court.all_events(LEADS_DECISIONS) if e.payload.lead_id == farther_lead.lead_id]
    assert [d.payload.outcome for d in decided] == [DecisionOutcome.REJECTED]
