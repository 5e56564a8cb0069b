"""Fair limits from the rule set: volume, cooling-off, dispute statements, body size; each refusal names its rule."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from referee_registration.app import build_app
from referee_shared.auth import Role, issue_token
from referee_shared.events.common import Channel
from referee_shared.events.leads import DecisionOutcome
from referee_shared.topics import DISPUTES_OPENED, LEADS_DECISIONS, LEADS_SUBMITTED

from ..arbitration_builders import DEALER_B, building_materials_case, dispute_by, open_court
from ..builders import customer, envelope, make_uscc, submission
from ..unit.conftest import InMemorySystem


@pytest.fixture
async def registration(system: InMemorySystem) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(system.runtimes["registration"], system.registration)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://registration") as client:
        yield client


def as_partner(system: InMemorySystem, partner_id: str) -> dict[str, str]:
    secret = system.runtimes["registration"].settings.auth_secret
    token = issue_token(secret, subject=partner_id, role=Role.PARTNER, partner_id=partner_id, now=datetime.now(UTC))
    return {"Authorization": f"Bearer {token}"}


def decisions(system: InMemorySystem, partner_id: str) -> list[tuple[DecisionOutcome, str, str]]:
    return [
        (e.payload.outcome, e.payload.reason_code, e.payload.reason)
        for e in system.events(LEADS_DECISIONS)
        if e.payload.partner_id == partner_id
    ]


async def test_thirty_registrations_in_a_burst_the_twenty_first_on_are_refused_naming_the_rule(
    system: InMemorySystem,
) -> None:
    for serial in range(30):
        who = customer(f"杭州批量客户{serial}有限公司", uscc=make_uscc(9200 + serial))
        lead = submission("agent-zhao", who=who, product_line="compressors", channel=Channel.AGENT)
        await system.publish(LEADS_SUBMITTED, envelope(lead))
    elsewhere = customer("杭州另一客户有限公司", uscc=make_uscc(9299))
    other = submission("agent-qian", who=elsewhere, product_line="compressors", channel=Channel.AGENT)
    await system.publish(LEADS_SUBMITTED, envelope(other))

    made = decisions(system, "agent-zhao")
    assert len(made) == 30
    refused = [d for d in made if d[1] == "submission_rate_limit"]
    assert len(refused) == 10
    assert all(outcome is DecisionOutcome.REJECTED for outcome, _, _ in refused)
    assert "rule limits.submissions_per_hour 20 (industrial-goods@1)" in refused[0][2]
    assert [code for _, code, _ in made[:20]] == ["first_valid_claim"] * 20
    assert len(system.locks.started) == 21  # 20 of agent-zhao, and agent-qian is not held back by them
    assert decisions(system, "agent-qian")[0][0] is DecisionOutcome.ACCEPTED
    assert system.raw("deadletter.registration") == []  # a refusal is a decision, not a dead letter


async def test_withdrawing_and_registering_again_within_the_cooling_off_is_refused(
    system: InMemorySystem, registration: httpx.AsyncClient
) -> None:
    who = customer("杭州冷静期客户有限公司", uscc=make_uscc(9301))
    first = submission("agent-zhao", who=who, product_line="compressors", channel=Channel.AGENT)
    await system.publish(LEADS_SUBMITTED, envelope(first))
    withdrawn = await registration.post(
        f"/leads/{first.lead_id}/withdraw", json={"reason": "giving up"}, headers=as_partner(system, "agent-zhao")
    )
    assert withdrawn.status_code == 200, withdrawn.text
    await system.settle()

    again = submission("agent-zhao", who=who, product_line="compressors", channel=Channel.AGENT)
    await system.publish(LEADS_SUBMITTED, envelope(again))
    outcome, code, reason = decisions(system, "agent-zhao")[-1]
    assert (outcome, code) == (DecisionOutcome.REJECTED, "cooling_off")
    assert "rule limits.cooling_off_days 30 (industrial-goods@1)" in reason
    available = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    assert f"you may register it again from {available}" in reason

    # Another partner is not cooling off: the customer is free for it.
    other = submission("agent-qian", who=who, product_line="compressors", channel=Channel.AGENT)
    await system.publish(LEADS_SUBMITTED, envelope(other))
    assert decisions(system, "agent-qian")[-1][0] is DecisionOutcome.ACCEPTED


async def test_dispute_statements_are_limited_in_size_and_count_per_party(tmp_path: Path) -> None:
    async with open_court(tmp_path) as court:
        case = building_materials_case(court.clock.now() - timedelta(days=33))
        court.hear(case)
        opened = dispute_by(DEALER_B, customer_key=case.chain)
        await court.publish(DISPUTES_OPENED, envelope(opened))
        path = f"/disputes/{opened.dispute_id}/statements"
        async with court.client(Role.PARTNER, partner_id=DEALER_B) as dealer_b:
            too_long = await dealer_b.post(path, json={"text": "长" * 8000})
            assert too_long.status_code == 413
            detail = too_long.json()["detail"]
            assert detail.startswith("statement_too_long: a statement of 8000 characters")
            assert "rule limits.statement_max_chars 2000 (building-materials@1)" in detail
            assert "长长长" not in detail
            for n in range(5):
                added = await dealer_b.post(path, json={"text": f"statement {n}"})
                assert added.status_code == 201, added.text
            sixth = await dealer_b.post(path, json={"text": "and one more"})
            assert sixth.status_code == 429
            assert "statement_limit" in sixth.json()["detail"]
            assert "rule limits.dispute_statements 5 (building-materials@1)" in sixth.json()["detail"]


async def test_a_20_mib_body_is_refused_unread_and_never_echoed(
    system: InMemorySystem, registration: httpx.AsyncClient
) -> None:
    marker = "ECHO-ME-" * 10
    huge = ('{"reason": "' + marker + "x" * (20 * 1024 * 1024) + '"}').encode()
    answer = await registration.post(
        "/leads/00000000-0000-0000-0000-000000000001/withdraw",
        content=huge,
        headers={**as_partner(system, "agent-zhao"), "Content-Type": "application/json"},
    )
    assert answer.status_code == 413
    assert answer.json()["reason"] == "request_body_limit"
    assert len(answer.content) < 300
    assert marker not in answer.text


async def test_a_body_streamed_without_a_length_is_cut_at_the_limit(
    system: InMemorySystem, registration: httpx.AsyncClient
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b"x" * 65536

    answer = await registration.post(
        "/leads/00000000-0000-0000-0000-000000000001/withdraw",
        content=chunks(),
        headers={**as_partner(system, "agent-zhao"), "Content-Type": "application/json"},
    )
    assert answer.status_code == 413


async def test_a_422_names_what_is_wrong_without_echoing_the_input(
    system: InMemorySystem, registration: httpx.AsyncClient
) -> None:
    marker = "ECHO-ME-" * 10
    invalid = {"partner_id": "agent-zhao", "customer": {"name": marker + "x" * 500_000}}
    answer = await registration.post("/leads", json=invalid, headers=as_partner(system, "agent-zhao"))
    assert answer.status_code == 422
    assert marker not in answer.text
    assert len(answer.content) < 5000
    assert all({"loc", "msg", "type"} == set(error) for error in answer.json()["detail"])
