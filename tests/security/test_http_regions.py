"""A reviewer limited to 江苏 reads 江苏's records only: dedup verdicts and customers, the funnel, qualifications."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from referee_dedup.app import build_app as build_dedup_app
from referee_qualification.app import build_app as build_qualification_app
from referee_registration.app import build_app as build_registration_app
from referee_shared.auth import Role, issue_token
from referee_shared.topics import LEADS_SUBMITTED

from ..builders import certificate, customer, envelope, make_uscc, submission
from ..unit.conftest import InMemorySystem
from ..unit.qualification.harness import running_system

Client = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def client(system: InMemorySystem) -> Client:
    apps: dict[str, Callable[[], FastAPI]] = {
        "registration": lambda: build_registration_app(system.runtimes["registration"], system.registration),
        "dedup": lambda: build_dedup_app(system.runtimes["dedup"], system.components["dedup"]),
    }

    def open_client(service: str, role: Role, regions: list[str] | None = None) -> Any:
        token = issue_token(
            system.runtimes[service].settings.auth_secret,
            subject=f"{role.value}-1",
            role=role,
            regions=regions,
            now=datetime.now(UTC),
        )
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=apps[service]()),
            base_url=f"http://{service}",
            headers={"Authorization": f"Bearer {token}"},
        )

    return open_client


@pytest.fixture
async def zhejiang_lead(system: InMemorySystem) -> str:
    lead = submission("dealer-hangzhou", who=customer("杭州区域客户有限公司", uscc=make_uscc(9101)))
    await system.publish(LEADS_SUBMITTED, envelope(lead))
    return str(lead.lead_id)


async def test_a_jiangsu_reviewer_cannot_read_zhejiang_dedup_verdicts_or_customers(
    client: Client, zhejiang_lead: str
) -> None:
    async with (
        client("dedup", Role.REVIEWER, ["浙江"]) as zhejiang,
        client("dedup", Role.REVIEWER, ["江苏"]) as jiangsu,
    ):
        allowed = await zhejiang.get("/verdicts", params={"lead_id": zhejiang_lead})
        assert allowed.status_code == 200, allowed.text
        customer_key = allowed.json()[-1]["customer_key"]

        verdicts = await jiangsu.get("/verdicts", params={"lead_id": zhejiang_lead})
        assert verdicts.status_code == 403
        assert "outside your regions (江苏)" in verdicts.json()["detail"]
        assert (await jiangsu.get(f"/customers/{customer_key}")).status_code == 403
        assert (await zhejiang.get(f"/customers/{customer_key}")).status_code == 200
        probe = customer("杭州区域客户有限公司").model_dump(mode="json")
        assert (await jiangsu.post("/matches", json=probe)).status_code == 403


async def test_a_jiangsu_reviewer_counts_only_jiangsu_in_the_funnel(client: Client, zhejiang_lead: str) -> None:
    async with (
        client("registration", Role.REVIEWER, ["江苏"]) as jiangsu,
        client("registration", Role.REVIEWER) as national,
        client("registration", Role.REVIEWER, ["江苏", "安徽"]) as two_regions,
    ):
        everywhere = (await national.get("/funnel")).json()
        assert everywhere["rows"][0]["counts"]["submitted"] >= 1
        own = await jiangsu.get("/funnel")
        assert own.status_code == 200
        assert own.json()["filters"]["region"] == "江苏"
        assert own.json()["rows"][0]["counts"]["submitted"] == 0
        assert (await jiangsu.get("/funnel", params={"region": "浙江"})).status_code == 403
        grouped = await jiangsu.get("/funnel", params={"group_by": "region"})
        assert [row["group"] for row in grouped.json()["rows"]] in ([], ["江苏"])
        assert (await two_regions.get("/funnel")).status_code == 422
        assert (await two_regions.get("/funnel", params={"region": "安徽"})).status_code == 200


async def test_a_jiangsu_reviewer_sees_only_qualifications_valid_in_jiangsu_or_nationwide(tmp_path: Path) -> None:
    zhejiang = certificate("agent-li", regions=["浙江"], number="浙-1")
    jiangsu = certificate("agent-li", regions=["江苏/南京"], number="苏-1")
    nationwide = certificate("agent-li", number="全国-1")
    async with running_system(tmp_path) as qualification:
        for submitted in (zhejiang, jiangsu, nationwide):
            await qualification.submit(submitted)
        runtime = qualification.runtimes["qualification"]
        token = issue_token(
            runtime.settings.auth_secret, subject="r", role=Role.REVIEWER, regions=["江苏"], now=datetime.now(UTC)
        )
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=build_qualification_app(runtime, qualification.qualifications)),
            base_url="http://qualification",
            headers={"Authorization": f"Bearer {token}"},
        ) as reviewer:
            listed = await reviewer.get("/qualifications")
            assert listed.status_code == 200
            assert {q["certificate_number"] for q in listed.json()} == {"苏-1", "全国-1"}
            assert (await reviewer.get(f"/qualifications/{zhejiang.submission_id}")).status_code == 403
            assert (await reviewer.get(f"/qualifications/{jiangsu.submission_id}")).status_code == 200
