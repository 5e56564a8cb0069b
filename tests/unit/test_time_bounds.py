"""Times at the ends of the calendar are refused at the door with the reason: never a 202 that later
overflows, never a 500 from a query."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from referee_registration.app import build_app
from referee_settlement.domain.reconciliation import parse_period
from referee_shared.auth import Role
from referee_shared.events.catalog import UndecodableMessage, decode
from referee_shared.events.envelope import envelope_json
from referee_shared.topics import LEADS_SUBMITTED

from ..arbitration_builders import Court, open_court
from ..builders import envelope, submission
from .conftest import InMemorySystem
from .test_registration_lifecycle import as_partner, as_role

EXTREMES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:00:00-05:00", "0001-01-02T00:00:00Z", "9999-12-31T00:00:00Z"]


@pytest.fixture
async def registration(system: InMemorySystem) -> AsyncIterator[httpx.AsyncClient]:
    assert system.registration is not None
    app = build_app(system.runtimes["registration"], system.registration)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://registration") as client:
        yield client


@pytest.fixture
async def court(tmp_path: Path) -> AsyncIterator[Court]:
    async with open_court(tmp_path) as built:
        yield built


@pytest.mark.parametrize("claimed", EXTREMES)
async def test_a_registration_claimed_at_the_end_of_the_calendar_is_refused_with_the_reason(
    system: InMemorySystem, registration: httpx.AsyncClient, claimed: str
) -> None:
    body = {**json.loads(submission("dealer-hangzhou").model_dump_json()), "partner_claimed_at": claimed}

    answer = await registration.post("/leads", json=body, headers=as_partner("dealer-hangzhou"))
    await system.settle()

    assert answer.status_code == 422, answer.text
    assert "out of range: times must lie between 1900-01-01 and 2200-01-01" in answer.text
    assert system.events(LEADS_SUBMITTED) == []


@pytest.mark.parametrize("claimed", EXTREMES)
def test_such_a_registration_arriving_on_kafka_is_undecodable_with_the_reason(claimed: str) -> None:
    document = json.loads(envelope_json(envelope(submission())))
    document["payload"]["partner_claimed_at"] = claimed
    with pytest.raises(UndecodableMessage, match=r"partner_claimed_at: Value error, .* is out of range"):
        decode(LEADS_SUBMITTED, json.dumps(document).encode())


@pytest.mark.parametrize("until", ["0001-01-02T00:00:00Z", "9999-12-31T23:59:59+00:00"])
async def test_the_funnel_refuses_a_period_at_the_end_of_the_calendar(
    registration: httpx.AsyncClient, until: str
) -> None:
    answer = await registration.get("/funnel", params={"until": until}, headers=as_role(Role.REVIEWER))
    assert answer.status_code == 422, answer.text
    assert "out of range" in answer.text


@pytest.mark.parametrize("until", ["9999-12-31", "0001-01-01"])
async def test_dispute_figures_refuse_a_period_at_the_end_of_the_calendar(court: Court, until: str) -> None:
    async with court.client(Role.ARBITER) as hq:
        answer = await hq.get("/disputes/figures", params={"until": until})
    assert answer.status_code == 422, answer.text
    assert "out of range" in answer.text


@pytest.mark.parametrize("period", ["0001", "2026-01-01..9999-12-31", "9999-12", "0001-01-01..2026-01-01"])
def test_a_reconciliation_period_at_the_end_of_the_calendar_is_refused_with_the_reason(period: str) -> None:
    with pytest.raises(ValueError, match=r"out of range"):
        parse_period(period, ZoneInfo("Asia/Shanghai"))
