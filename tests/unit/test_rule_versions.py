"""Rule set versions uploaded while the system runs: refused with reasons a channel manager can act on,
recorded with who and why, taken by every service, deciding only what reaches the broker after their
effective_from; what was decided before keeps its version."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml

from referee_registration.app import build_app
from referee_shared.auth import Role
from referee_shared.events.leads import DecisionOutcome
from referee_shared.rules.rulebook import RuleBook
from referee_shared.rules.versions import DraftRefused, check_schedule, parse_draft
from referee_shared.topics import LEADS_DECISIONS, LEADS_SUBMITTED

from ..builders import customer, envelope, make_uscc, submission
from .conftest import InMemorySystem
from .test_registration_lifecycle import as_role

RULES = Path(__file__).resolve().parents[2] / "rules"
NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def draft(**changes: object) -> dict[str, object]:
    document = yaml.safe_load((RULES / "building-materials.v1.yaml").read_text(encoding="utf-8"))
    document.update({"version": 2, "effective_from": (NOW + timedelta(days=1)).isoformat()}, **changes)
    return dict(document)


def test_a_draft_that_does_not_fit_the_schema_names_every_field_that_is_wrong() -> None:
    broken = draft(version=0, protection={"period_days": "ninety"}, colour="blue")
    with pytest.raises(DraftRefused) as refused:
        parse_draft(yaml.safe_dump(broken, allow_unicode=True))
    problems = refused.value.problems
    assert any(p.startswith("version:") for p in problems)
    assert any(p.startswith("protection.period_days:") for p in problems)
    assert any(p.startswith("colour:") for p in problems)
    with pytest.raises(DraftRefused, match="not YAML"):
        parse_draft("id: [unclosed")
    with pytest.raises(DraftRefused, match="mapping of fields"):
        parse_draft("- just\n- a list\n")


def test_a_version_must_follow_the_newest_start_in_the_future_and_keep_its_product_lines() -> None:
    book = RuleBook.load(RULES)
    check_schedule(book, parse_draft(yaml.safe_dump(draft(), allow_unicode=True)), NOW)  # fine

    def problems(document: dict[str, object]) -> list[str]:
        with pytest.raises(DraftRefused) as refused:
            check_schedule(book, parse_draft(yaml.safe_dump(document, allow_unicode=True)), NOW)
        return refused.value.problems

    assert problems(draft(version=1)) == ["version: building-materials is at version 1; upload version 2"]
    assert problems(draft(effective_from=(NOW - timedelta(seconds=1)).isoformat()))[0].startswith(
        "effective_from: 2026-12-03T07:59:59+00:00 is not in the future"
    )
    assert problems(draft(id="garden-tools"))[0].startswith("id: no rule set 'garden-tools' is running")
    taken = problems(draft(product_lines=["tiles", "compressors"]))
    assert "'compressors' is claimed by" in taken[0]


@pytest.fixture
async def http(system: InMemorySystem) -> AsyncIterator[httpx.AsyncClient]:
    assert system.registration is not None
    app = build_app(system.runtimes["registration"], system.registration)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://registration") as client:
        yield client


async def test_an_uploaded_version_decides_what_arrives_after_its_moment_and_nothing_before(
    system: InMemorySystem, http: httpx.AsyncClient
) -> None:
    admin = as_role(Role.ADMIN)
    before = submission("dealer-hangzhou", who=customer("杭州版本前客户", uscc=make_uscc(8901)))
    await system.publish(LEADS_SUBMITTED, envelope(before))
    moment = datetime.now(UTC) + timedelta(seconds=2)
    shorter = draft(effective_from=moment.isoformat(), protection={"period_days": 60})
    document = yaml.safe_dump(shorter, allow_unicode=True)

    refused = await http.post("/admin/rules/versions", json={"document": document, "reason": "x"}, headers=admin)
    by_reviewer = await http.post(
        "/admin/rules/versions",
        json={"document": document, "reason": "shorter protection for tiles"},
        headers=as_role(Role.REVIEWER),
    )
    uploaded = await http.post(
        "/admin/rules/versions",
        json={"document": document, "reason": "渠道会议决定：保护期缩短为60天"},
        headers=admin,
    )
    await system.settle()
    listed = (await http.get("/admin/rules/versions", headers=admin)).json()
    await asyncio.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()) + 0.2)
    after = submission("dealer-hangzhou", who=customer("杭州版本后客户", uscc=make_uscc(8902)))
    await system.publish(LEADS_SUBMITTED, envelope(after))

    assert refused.status_code == 422  # the reason is too short to explain a change of rules
    assert by_reviewer.status_code == 403
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["ref"] == "building-materials@2"
    [v2] = [v for v in listed if v["ref"] == "building-materials@2"]
    assert (v2["uploaded_by"], v2["reason"]) == ("admin-1", "渠道会议决定：保护期缩短为60天")
    assert all(runtime.rules.get("building-materials", 2) for runtime in system.runtimes.values())
    decisions = {d.payload.lead_id: d.payload for d in system.events(LEADS_DECISIONS)}
    old, new = decisions[before.lead_id], decisions[after.lead_id]
    assert (old.outcome, new.outcome) == (DecisionOutcome.ACCEPTED, DecisionOutcome.ACCEPTED)
    assert (old.rule_version, new.rule_version) == (1, 2)
    assert old.lock is not None
    assert new.lock is not None
    assert round((old.lock.expires_at - old.decided_at) / timedelta(days=1)) == 90
    assert round((new.lock.expires_at - new.decided_at) / timedelta(days=1)) == 60
    assert len([d for d in system.events(LEADS_DECISIONS) if d.payload.lead_id == before.lead_id]) == 1
    again = await http.post(
        "/admin/rules/versions", json={"document": document, "reason": "upload it a second time"}, headers=admin
    )
    assert again.status_code == 422
    assert "is at version 2" in again.text
