"""The outcome figures on the real Kafka, Temporal and PostgreSQL: a registration, a duplicate refused, a
dispute opened and ruled by the regional reviewer in time, folded by registration's figures consumer
from the events the services really publish; then the read model rebuilt from offset 0 gives the same
report, and the CSV export carries it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import httpx
import pytest

from referee_registration.figures.rebuild import rebuild
from referee_registration.settings import RegistrationSettings
from referee_shared.auth import Role
from referee_shared.events.disputes import DisputeStep
from referee_shared.events.leads import ActivityKind, DecisionOutcome

from ..arbitration_stack import CourtStack, court_stack
from ..builders import customer, make_uscc, submission

pytestmark = pytest.mark.integration

DEALER_A, DEALER_B = "dealer-hangzhou", "dealer-shaoxing"
REASON = "The evidence chain shows dealer-hangzhou registered and visited first."
ALL_TIME = {"period": "all", "since": "2026-01-01", "until": "2030-12-31"}


@pytest.fixture(scope="module")
async def court(infrastructure: None) -> AsyncIterator[CourtStack]:
    stack = court_stack("figures")
    await stack.start()
    yield stack
    await stack.stop()


async def figures_when(
    client: httpx.AsyncClient, ready: dict[str, int], params: dict[str, str], timeout: float = 60
) -> dict[str, Any]:
    """The report once its one row has at least the counts in ``ready`` (the fold runs behind the events)."""
    report: dict[str, Any] = {}
    for _ in range(int(timeout / 0.25)):
        report = (await client.get("/figures", params=params)).json()
        rows = report.get("rows") or [{"counts": {}}]
        if all(rows[0]["counts"].get(name, 0) >= count for name, count in ready.items()):
            return report
        await asyncio.sleep(0.25)
    raise AssertionError(f"figures never reached {ready}: {report}")


async def test_figures_fold_a_refusal_a_dispute_and_an_on_time_ruling_and_rebuild_to_the_same_report(
    court: CourtStack,
) -> None:
    code = make_uscc(8801)
    first = submission(DEALER_A, who=customer("杭州图表建材有限公司", uscc=code))
    assert (await court.register(first)).outcome is DecisionOutcome.ACCEPTED
    await court.follow_up(first, ActivityKind.VISIT, "met the purchasing manager on site")
    second = submission(DEALER_B, who=customer("杭州图表建材", uscc=code))
    refused = await court.register(second)
    assert (refused.outcome, refused.reason_code) == (DecisionOutcome.REJECTED, "duplicate")
    claim = {"respondent_ids": [DEALER_A], "lead_id": str(second.lead_id), "claim": "We surveyed this site first."}
    async with (
        court.http("arbitration", court.token(Role.PARTNER, DEALER_B, partner_id=DEALER_B)) as dealer_b,
        court.http("registration", court.token(Role.REVIEWER, "wang", regions=["浙江"])) as reviewer,
        court.http("registration", court.token(Role.ARBITER, "hq-chen")) as arbiter,
    ):
        opened = await dealer_b.post("/disputes", json=claim)
        assert opened.status_code == 201, opened.text
        dispute_id = UUID(opened.json()["summary"]["dispute_id"])
        task = await _dispute_review(reviewer, dispute_id)
        decided = await reviewer.post(f"/inbox/{task['task_id']}/decision", json={"choice": "uphold", "reason": REASON})
        assert decided.status_code == 200, decided.text
        await court.step(dispute_id, DisputeStep.RULED)

        ready = {"decided": 2, "refused_duplicate": 1, "disputes_opened": 1, "first_rulings": 1, "tasks_on_time": 1}
        folded = await figures_when(arbiter, ready, ALL_TIME)
        [row] = folded["rows"]
        assert row["counts"]["customers_registered"] == 1
        assert row["counts"]["customers_disputed"] == 1
        assert row["figures"]["conflict_rate"] == "0.5000"
        assert row["figures"]["reviewer_on_time_rate"] == "1.0000"
        assert row["figures"]["mean_hours_to_first_ruling"] is not None
        by_partner = (await arbiter.get("/figures", params={**ALL_TIME, "group_by": "partner"})).json()
        refusals = {r["group"]: r["counts"]["refused_duplicate"] for r in by_partner["rows"]}
        assert refusals[DEALER_B] == 1
        assert refusals[DEALER_A] == 0

        settings = court.settings("registration")
        assert isinstance(settings, RegistrationSettings)
        replayed = await rebuild(settings)
        rebuilt = (await arbiter.get("/figures", params=ALL_TIME)).json()
        csv = await arbiter.get("/figures.csv", params={**ALL_TIME, "group_by": "partner"})

    assert replayed.records["leads.transitions"] >= 5, replayed.records
    assert replayed.records["disputes.events"] >= 2
    assert replayed.skipped == []
    assert rebuilt == folded
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.content.startswith(b"\xef\xbb\xbfperiod,partner,side,decided")
    assert DEALER_B in csv.content.decode("utf-8-sig")


async def _dispute_review(client: httpx.AsyncClient, dispute_id: UUID) -> dict[str, Any]:
    for _ in range(150):
        tasks = (await client.get("/inbox", params={"kind": "dispute_review"})).json()
        found = [t for t in tasks if t["details"].get("dispute_id") == str(dispute_id)]
        if found:
            return dict(found[0])
        await asyncio.sleep(0.1)
    raise AssertionError(f"no review of dispute {dispute_id} reached the inbox")
