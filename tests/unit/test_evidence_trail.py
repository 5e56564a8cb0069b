"""The evidence trail kept by registration: what goes in, one call for the whole bundle, and tampering with
the database found by the HTTP endpoint and by `referee evidence verify`."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner, Result

from referee_cli.main import app as cli
from referee_registration.app import build_app
from referee_shared.auth import Role, issue_token
from referee_shared.events.common import GeoPoint
from referee_shared.events.leads import ActivityKind, LeadActivity
from referee_shared.topics import LEADS_ACTIVITIES, LEADS_SUBMITTED

from ..builders import customer, envelope, make_uscc, submission
from .conftest import TEST_SECRET, InMemorySystem


def token(role: Role, partner_id: str | None = None) -> dict[str, str]:
    signed = issue_token(
        TEST_SECRET,
        subject=partner_id or f"{role.value}-1",
        role=role,
        partner_id=partner_id,
        now=datetime.now(UTC),
    )
    return {"Authorization": f"Bearer {signed}"}


@pytest.fixture
async def http(system: InMemorySystem) -> AsyncIterator[httpx.AsyncClient]:
    assert system.registration is not None
    app = build_app(system.runtimes["registration"], system.registration)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://registration") as client:
        yield client


async def a_customer_with_a_history(system: InMemorySystem, serial: int) -> tuple[str, str]:
    """Hangzhou registers first (accepted), Shaoxing second (duplicate), Hangzhou visits twice."""
    who = customer(f"杭州测试客户{serial}有限公司", uscc=make_uscc(serial))
    winner, loser = submission("dealer-hangzhou", who=who), submission("dealer-shaoxing", who=who)
    await system.publish(LEADS_SUBMITTED, envelope(winner))
    await system.publish(LEADS_SUBMITTED, envelope(loser))
    for summary in ("first visit to the site office", "quote handed to procurement"):
        await system.publish(LEADS_ACTIVITIES, envelope(visit(winner.lead_id, summary)))
    return str(winner.lead_id), str(loser.lead_id)


def visit(lead_id: Any, summary: str, partner_id: str = "dealer-hangzhou") -> LeadActivity:
    return LeadActivity(
        activity_id=uuid4(),
        lead_id=lead_id,
        partner_id=partner_id,
        kind=ActivityKind.VISIT,
        summary=summary,
        location=GeoPoint(lat=30.2084, lon=120.2108),
        partner_claimed_at=datetime(2020, 1, 1, tzinfo=UTC),
    )


async def tamper(system: InMemorySystem, *statements: str) -> None:
    """What a database administrator could do: lift the append-only guard and rewrite history."""
    async with system.runtimes["registration"].engine.begin() as connection:
        await connection.execute(text("DROP TRIGGER IF EXISTS evidence_records_no_update"))
        await connection.execute(text("DROP TRIGGER IF EXISTS evidence_records_no_delete"))
        for statement in statements:
            await connection.execute(text(statement))


async def test_registrations_decisions_and_activities_of_a_customer_form_one_chain(
    system: InMemorySystem, http: httpx.AsyncClient
) -> None:
    winner, loser = await a_customer_with_a_history(system, 7001)

    response = await http.get(f"/evidence/leads/{loser}", headers=token(Role.ARBITER))

    assert response.status_code == 200
    bundle = response.json()
    records = bundle["records"]
    assert [(r["kind"], r["actor"]) for r in records] == [
        ("registered", "dealer-hangzhou"),
        ("decided", "registration"),
        ("registered", "dealer-shaoxing"),
        ("decided", "registration"),
        ("activity", "dealer-hangzhou"),
        ("activity", "dealer-hangzhou"),
    ]
    assert records[1]["content"]["outcome"] == "accepted"
    assert records[3]["content"]["reason_code"] == "duplicate"
    assert all(r["rule_set"] == "building-materials" and r["rule_version"] == 1 for r in records)
    assert records[4]["content"]["partner_claimed_at"].startswith("2020-01-01")  # kept, never trusted
    assert records[4]["content"]["received_at"] != records[4]["content"]["partner_claimed_at"]
    assert bundle["verification"]["intact"] is True
    assert bundle["digest"] == records[-1]["hash"]
    assert {lead["lead_id"] for lead in bundle["leads"]} == {winner, loser}
    assert [lock["partner_id"] for lock in bundle["locks"]] == ["dealer-hangzhou"]


async def test_anyone_can_verify_a_bundle_with_sha256_and_canonical_json(
    system: InMemorySystem, http: httpx.AsyncClient
) -> None:
    winner, _ = await a_customer_with_a_history(system, 7002)
    bundle = (await http.get(f"/evidence/leads/{winner}", headers=token(Role.ARBITER))).json()

    # The recipe of docs/registration.md, written out without any of Referee's code.
    previous = "0" * 64
    for record in bundle["records"]:
        document = {key: record[key] for key in ("record_id", "actor", "kind", "lead_id", "content", "rule_set")}
        document |= {"chain": bundle["chain"], "rule_version": record["rule_version"], "prev_hash": previous}
        document["recorded_at"] = datetime.fromisoformat(record["recorded_at"]).isoformat(timespec="microseconds")
        canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert record["prev_hash"] == previous
        assert hashlib.sha256(canonical.encode()).hexdigest() == record["hash"]
        previous = record["hash"]
    assert previous == bundle["digest"]


async def test_the_readable_rendering_tells_the_story(system: InMemorySystem, http: httpx.AsyncClient) -> None:
    winner, _ = await a_customer_with_a_history(system, 7003)

    response = await http.get(f"/evidence/leads/{winner}", params={"format": "text"}, headers=token(Role.ARBITER))

    assert response.headers["content-type"].startswith("text/plain")
    assert "intact, 6 records checked" in response.text
    assert "registers 杭州测试客户7003有限公司" in response.text
    assert "accepted (first_valid_claim)" in response.text
    assert "visit at 30.2084,120.2108: quote handed to procurement" in response.text


async def test_only_arbiters_and_admins_read_the_evidence(system: InMemorySystem, http: httpx.AsyncClient) -> None:
    winner, _ = await a_customer_with_a_history(system, 7004)

    assert (
        await http.get(f"/evidence/leads/{winner}", headers=token(Role.PARTNER, "dealer-hangzhou"))
    ).status_code == 403
    assert (await http.get(f"/evidence/leads/{winner}", headers=token(Role.REVIEWER))).status_code == 403
    assert (await http.get(f"/evidence/leads/{winner}")).status_code == 401
    assert (await http.get(f"/evidence/leads/{winner}", headers=token(Role.ADMIN))).status_code == 200
    assert (await http.get(f"/evidence/leads/{uuid4()}", headers=token(Role.ARBITER))).status_code == 404
    assert (await http.get("/evidence/customers/cust-nobody", headers=token(Role.ARBITER))).status_code == 404


async def test_the_database_refuses_to_change_a_record(system: InMemorySystem) -> None:
    await a_customer_with_a_history(system, 7005)

    async with system.runtimes["registration"].engine.begin() as connection:
        with pytest.raises(DBAPIError, match="append-only"):
            await connection.execute(text("UPDATE evidence_records SET actor = 'someone else'"))


async def test_an_altered_record_is_named_by_the_endpoint_and_the_cli(
    system: InMemorySystem, http: httpx.AsyncClient
) -> None:
    winner, _ = await a_customer_with_a_history(system, 7006)
    await tamper(system, "UPDATE evidence_records SET actor = 'dealer-shaoxing' WHERE seq = 5")

    verification = (await http.get(f"/evidence/leads/{winner}/verify", headers=token(Role.ARBITER))).json()

    assert verification["intact"] is False
    [finding] = verification["findings"]
    assert (finding["problem"], finding["seq"]) == ("altered", 5)
    assert "record #5 (activity by dealer-shaoxing" in finding["detail"]
    outcome = await referee(system, "evidence", "verify", "--lead", winner, "--no-checkpoints")
    assert outcome.exit_code == 1
    assert "ALTERED: record #5" in outcome.output
    assert "1 tampered" in outcome.output


async def test_a_removed_record_is_named(system: InMemorySystem, http: httpx.AsyncClient) -> None:
    winner, _ = await a_customer_with_a_history(system, 7007)
    await tamper(system, "DELETE FROM evidence_records WHERE seq = 3")

    verification = (await http.get(f"/evidence/leads/{winner}/verify", headers=token(Role.ARBITER))).json()

    [finding] = verification["findings"]
    assert (finding["problem"], finding["seq"]) == ("removed", 3)


async def test_reordered_records_are_named(system: InMemorySystem, http: httpx.AsyncClient) -> None:
    winner, _ = await a_customer_with_a_history(system, 7008)
    await tamper(
        system,
        "UPDATE evidence_records SET seq = 1000 WHERE seq = 5",
        "UPDATE evidence_records SET seq = 5 WHERE seq = 6",
        "UPDATE evidence_records SET seq = 6 WHERE seq = 1000",
    )

    verification = (await http.get(f"/evidence/leads/{winner}/verify", headers=token(Role.ARBITER))).json()

    assert {f["problem"] for f in verification["findings"]} == {"reordered"}
    assert {f["seq"] for f in verification["findings"]} >= {5, 6}


async def test_the_cli_checks_every_chain_and_prints_a_bundle(system: InMemorySystem) -> None:
    winner, _ = await a_customer_with_a_history(system, 7009)

    verified = await referee(system, "evidence", "verify", "--no-checkpoints")
    shown = await referee(system, "evidence", "show", "--lead", winner)

    assert verified.exit_code == 0, verified.output
    assert "1 chain(s) checked, 0 tampered" in verified.output
    assert shown.exit_code == 0
    assert "quote handed to procurement" in shown.output


async def referee(system: InMemorySystem, *arguments: str) -> Result:
    """Run the operator CLI against the service's database (in a thread: it runs its own event loop)."""
    url = system.runtimes["registration"].settings.resolved_database_url()
    return await asyncio.to_thread(CliRunner().invoke, cli, [*arguments, "--database-url", url])
