"""A lead's whole life on the real Kafka, Temporal and PostgreSQL: the HTTP API, extension through the shared
inbox's update, follow-ups reaching the lock workflow, withdraw, won deals, transfer by ruling, the funnel,
and tampering with the database named by the verify endpoint."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle

from referee_registration.app import build_app
from referee_registration.workflows.models import LOCK_WORKFLOW_KIND
from referee_shared.auth import Role, issue_token
from referee_shared.events.common import Channel
from referee_shared.events.deals import DealClosed, DealOutcome
from referee_shared.events.disputes import DisputeRuling, RulingOutcome
from referee_shared.events.leads import ActivityKind, DecisionOutcome, LeadActivity, LeadSubmitted, LockChange
from referee_shared.events.tasks import TaskDecision
from referee_shared.settings import ServiceSettings
from referee_shared.topics import (
    DEALS_CLOSED,
    DISPUTES_RULINGS,
    LEADS_ACTIVITIES,
    LEADS_DECISIONS,
    LEADS_LOCKS,
    LEADS_SUBMITTED,
    TASKS_EVENTS,
)

from ..builders import customer, envelope, make_uscc, submission
from ..stack import POSTGRES, Stack

pytestmark = pytest.mark.integration
T = TypeVar("T")


def bearer(role: Role, partner_id: str | None = None) -> dict[str, str]:
    signed = issue_token(
        ServiceSettings().auth_secret,
        subject=partner_id or f"{role.value}-1",
        role=role,
        partner_id=partner_id,
        now=datetime.now(UTC),
    )
    return {"Authorization": f"Bearer {signed}"}


ARBITER = bearer(Role.ARBITER)


@pytest.fixture(scope="module")
async def http(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(stack.runtimes["registration"][0], stack.services["registration"][0])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://registration") as client:
        yield client


async def accepted(stack: Stack, lead: LeadSubmitted) -> datetime:
    """Submit on Kafka and wait for the acceptance; returns the lock's expiry."""
    await stack.publish(LEADS_SUBMITTED, envelope(lead), key=str(lead.lead_id))
    [decision] = await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == lead.lead_id)
    assert decision.payload.outcome is DecisionOutcome.ACCEPTED, decision.payload.reason
    assert decision.payload.lock is not None
    expires_at: datetime = decision.payload.lock.expires_at
    return expires_at


def lock_workflow(stack: Stack, lead_id: uuid.UUID) -> WorkflowHandle[Any, Any]:
    assert stack.temporal is not None
    return stack.temporal.get_workflow_handle(stack.settings("registration").workflow_id(LOCK_WORKFLOW_KIND, lead_id))


async def eventually(probe: Callable[[], Awaitable[T | None]], *, timeout: float = 30) -> T:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        if (found := await probe()) is not None:
            return found
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"nothing came within {timeout}s")
        await asyncio.sleep(0.2)


async def test_a_partner_submits_over_http_and_reads_its_accepted_lead(stack: Stack, http: httpx.AsyncClient) -> None:
    lead = submission("dealer-hangzhou", who=customer("杭州HTTP报备客户有限公司", uscc=make_uscc(3001)))
    partner = bearer(Role.PARTNER, "dealer-hangzhou")

    response = await http.post("/leads", json=lead.model_dump(mode="json"), headers=partner)
    assert response.status_code == 202
    [decision] = await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == lead.lead_id)

    view = (await http.get(f"/leads/{lead.lead_id}", headers=partner)).json()
    assert view["status"] == "accepted"
    assert datetime.fromisoformat(view["lock_expires_at"]) == decision.payload.lock.expires_at
    assert (
        await http.get(f"/leads/{lead.lead_id}", headers=bearer(Role.PARTNER, "dealer-shaoxing"))
    ).status_code == 404
    unsigned = await http.post("/leads", json=lead.model_dump(mode="json"))
    assert unsigned.status_code == 401
    invalid = await http.post("/leads", json={"lead_id": "not-a-uuid"}, headers=partner)
    assert invalid.status_code == 422


async def test_an_extension_approved_in_the_inbox_moves_expiry_and_a_denied_one_does_not(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    lead = submission("dealer-hangzhou", who=customer("杭州延期客户有限公司", uscc=make_uscc(3002)))
    expires_at = await accepted(stack, lead)
    partner = bearer(Role.PARTNER, "dealer-hangzhou")

    asked = await http.post(
        f"/leads/{lead.lead_id}/extension", json={"days": 30, "reason": "tender in May"}, headers=partner
    )
    assert asked.status_code == 202, asked.text
    task_id = asked.json()["task_id"]
    [opened] = await stack.events(TASKS_EVENTS, lambda e: e.payload.task_id == task_id)
    assert (opened.payload.update_name, opened.payload.choices) == ("decide", ["approve", "deny"])
    assert opened.payload.workflow_id == lock_workflow(stack, lead.lead_id).id

    # What the shared inbox does when a reviewer decides: the task's update on the task's workflow.
    approve = TaskDecision(
        task_id=task_id, choice="approve", reason="two visits on record", decided_by="li", role="reviewer"
    )
    assert stack.temporal is not None
    inbox_view = stack.temporal.get_workflow_handle(opened.payload.workflow_id)
    assert await inbox_view.execute_update(opened.payload.update_name, approve, result_type=str) == "approve"

    [extended] = await stack.events(
        LEADS_LOCKS, lambda e: e.payload.lead_id == lead.lead_id and e.payload.change is LockChange.EXTENDED
    )
    assert extended.payload.expires_at == expires_at + timedelta(days=30)
    [closed] = await stack.events(
        TASKS_EVENTS, lambda e: e.payload.task_id == task_id and e.payload.event_type == "task.closed"
    )
    assert (closed.payload.outcome, closed.payload.decided_by) == ("approve", "li")
    view = (await http.get(f"/leads/{lead.lead_id}", headers=partner)).json()
    assert (datetime.fromisoformat(view["lock_expires_at"]), view["extensions_granted"]) == (
        expires_at + timedelta(days=30),
        1,
    )

    second = (
        await http.post(f"/leads/{lead.lead_id}/extension", json={"days": 10, "reason": "still"}, headers=partner)
    ).json()
    deny = approve.model_copy(update={"task_id": second["task_id"], "choice": "deny", "reason": "no new visits"})
    assert await inbox_view.execute_update("decide", deny, result_type=str) == "deny"
    await stack.events(
        TASKS_EVENTS, lambda e: e.payload.task_id == second["task_id"] and e.payload.event_type == "task.closed"
    )
    assert await lock_workflow(stack, lead.lead_id).query("expires_at") == (expires_at + timedelta(days=30)).isoformat()
    too_long = await http.post(f"/leads/{lead.lead_id}/extension", json={"days": 31, "reason": "x"}, headers=partner)
    assert too_long.status_code == 409
    assert "at most 30 days" in too_long.json()["detail"]


async def test_a_follow_up_is_chained_and_reaches_the_lock_workflow(stack: Stack, http: httpx.AsyncClient) -> None:
    lead = submission("dealer-hangzhou", who=customer("杭州跟进客户有限公司", uscc=make_uscc(3003)))
    await accepted(stack, lead)

    reported = await http.post(
        f"/leads/{lead.lead_id}/activities",
        json={"kind": "visit", "summary": "met the purchasing manager", "location": {"lat": 30.21, "lon": 120.21}},
        headers=bearer(Role.PARTNER, "dealer-hangzhou"),
    )
    assert reported.status_code == 202
    activity = LeadActivity(
        activity_id=uuid.uuid4(),
        lead_id=lead.lead_id,
        partner_id="dealer-hangzhou",
        kind=ActivityKind.QUOTE,
        summary="quote Q-7",
    )
    await stack.publish(LEADS_ACTIVITIES, envelope(activity), key=str(lead.lead_id))

    async def two_activities() -> list[dict[str, Any]] | None:
        bundle = (await http.get(f"/evidence/leads/{lead.lead_id}", headers=ARBITER)).json()
        found = [r for r in bundle["records"] if r["kind"] == "activity"]
        return found if len(found) == 2 else None

    records = await eventually(two_activities)
    assert {r["content"]["summary"] for r in records} == {"met the purchasing manager", "quote Q-7"}

    async def signalled() -> int | None:
        events = [e async for e in lock_workflow(stack, lead.lead_id).fetch_history_events()]
        count = sum(1 for e in events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
        return count if count == 2 else None

    assert await eventually(signalled) == 2


async def test_withdrawal_releases_the_customer_ends_the_workflow_and_another_partner_wins(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    # Industrial goods: no territory rule, so both agents may register this customer.
    who = customer("杭州撤回后再报备有限公司", uscc=make_uscc(3004))
    first = submission("agent-zhao", who=who, product_line="compressors", channel=Channel.AGENT)
    await accepted(stack, first)

    response = await http.post(
        f"/leads/{first.lead_id}/withdraw",
        json={"reason": "customer postponed"},
        headers=bearer(Role.PARTNER, "agent-zhao"),
    )
    assert response.json()["status"] == "withdrawn"
    [released] = await stack.events(
        LEADS_LOCKS, lambda e: e.payload.lead_id == first.lead_id and e.payload.change is LockChange.RELEASED
    )
    assert await lock_workflow(stack, first.lead_id).result() == "released"
    # Dedup learns of the release from leads.locks, a moment after registration published it.
    await dedup_released(stack, released.payload.customer_key)

    second = submission("agent-qian", who=who, product_line="compressors", channel=Channel.AGENT)
    await accepted(stack, second)


async def dedup_released(stack: Stack, customer_key: str) -> None:
    async with stack.http("dedup", stack.token(Role.REVIEWER)) as dedup:
        for _ in range(100):
            claims = (await dedup.get(f"/customers/{customer_key}")).json()["claims"]
            if all(claim["status"] != "active" for claim in claims):
                return
            await asyncio.sleep(0.1)
    raise AssertionError(f"dedup still protects {customer_key}")


async def test_a_won_deal_completes_the_lock(stack: Stack) -> None:
    lead = submission("dealer-hangzhou", who=customer("杭州成交客户有限公司", uscc=make_uscc(3005)))
    await accepted(stack, lead)
    won = DealClosed(
        deal_id=f"D-{uuid.uuid4().hex[:6]}",
        lead_id=lead.lead_id,
        outcome=DealOutcome.WON,
        amount=Decimal("260000"),
        closed_at=datetime.now(UTC),
    )

    await stack.publish(DEALS_CLOSED, envelope(won, producer="erp"), key=won.deal_id)

    await stack.events(
        LEADS_LOCKS, lambda e: e.payload.lead_id == lead.lead_id and e.payload.change is LockChange.COMPLETED
    )
    assert await lock_workflow(stack, lead.lead_id).result() == "completed"


async def test_an_arbitration_ruling_transfers_the_lock_through_its_workflow(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    who = customer("杭州仲裁转移客户有限公司", uscc=make_uscc(3006))
    holder, claimant = submission("dealer-hangzhou", who=who), submission("dealer-shaoxing", who=who)
    await accepted(stack, holder)
    await stack.publish(LEADS_SUBMITTED, envelope(claimant), key=str(claimant.lead_id))
    await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == claimant.lead_id)
    ruling = DisputeRuling(
        dispute_id=uuid.uuid4(), outcome=RulingOutcome.TRANSFERRED, reason="Shaoxing's visits predate the registration",
        decided_by="hq.wang", level=2, lead_id=holder.lead_id, new_holder_id="dealer-shaoxing",
        rule_set="building-materials", rule_version=1, evidence_digest="cd" * 32, decided_at=datetime.now(UTC),
    )  # fmt: skip

    await stack.publish(DISPUTES_RULINGS, envelope(ruling, producer="arbitration"), key=str(ruling.dispute_id))

    [moved] = await stack.events(LEADS_LOCKS, lambda e: e.payload.previous_lead_id == holder.lead_id)
    assert moved.payload.change is LockChange.TRANSFERRED
    assert (moved.payload.partner_id, moved.payload.previous_partner_id) == ("dealer-shaoxing", "dealer-hangzhou")
    progress = await lock_workflow(stack, holder.lead_id).query("progress")
    assert progress["partner_id"] == "dealer-shaoxing"
    new_view = (
        await http.get(f"/leads/{moved.payload.lead_id}", headers=bearer(Role.PARTNER, "dealer-shaoxing"))
    ).json()
    assert (new_view["status"], new_view["reason_code"]) == ("accepted", "transferred_by_ruling")
    assert datetime.fromisoformat(new_view["lock_expires_at"]) == moved.payload.expires_at
    old_view = (await http.get(f"/leads/{holder.lead_id}", headers=bearer(Role.PARTNER, "dealer-hangzhou"))).json()
    assert old_view["status"] == "transferred"


async def test_the_funnel_is_counted_over_http_from_the_real_database(stack: Stack, http: httpx.AsyncClient) -> None:
    partner = f"agent-funnel-{uuid.uuid4().hex[:6]}"
    leads = [
        submission(
            partner,
            who=customer(f"杭州漏斗客户{n}", uscc=make_uscc(3100 + n)),
            product_line="compressors",
            channel=Channel.AGENT,
        )
        for n in range(3)
    ]
    for lead in leads:
        await accepted(stack, lead)
    await http.post(
        f"/leads/{leads[0].lead_id}/stage", json={"stage": "contacted"}, headers=bearer(Role.PARTNER, partner)
    )

    report = (
        await http.get("/funnel", params={"partner_id": partner, "group_by": "channel"}, headers=bearer(Role.REVIEWER))
    ).json()

    [row] = report["rows"]
    assert row["group"] == "agent"
    assert {k: row["counts"][k] for k in ("submitted", "accepted", "contacted", "won")} == {
        "submitted": 3,
        "accepted": 3,
        "contacted": 1,
        "won": 0,
    }


async def test_tampering_with_the_trail_in_postgresql_is_named_by_the_verify_endpoint(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    who = customer("杭州篡改证据客户有限公司", uscc=make_uscc(3007))
    first, second = submission("dealer-hangzhou", who=who), submission("dealer-shaoxing", who=who)
    await accepted(stack, first)
    await stack.publish(LEADS_SUBMITTED, envelope(second), key=str(second.lead_id))
    await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == second.lead_id)
    bundle = (await http.get(f"/evidence/leads/{first.lead_id}", headers=ARBITER)).json()
    assert bundle["verification"]["intact"] is True
    chain = bundle["chain"]

    connection = await asyncpg.connect(f"{POSTGRES}/{stack.database_prefix}_registration")
    try:
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await connection.execute("UPDATE evidence_records SET actor = 'x' WHERE chain = $1", chain)
        # An administrator who lifts the guard can rewrite history; the chain still gives it away.
        await connection.execute("ALTER TABLE evidence_records DISABLE TRIGGER evidence_records_append_only")
        try:
            await connection.execute(
                "UPDATE evidence_records SET content = jsonb_set(content::jsonb, '{reason}', '\"first come\"')::json "
                "WHERE chain = $1 AND seq = 2",
                chain,
            )
            await connection.execute("DELETE FROM evidence_records WHERE chain = $1 AND seq = 3", chain)
        finally:
            await connection.execute("ALTER TABLE evidence_records ENABLE TRIGGER evidence_records_append_only")
    finally:
        await connection.close()

    verification = (await http.get(f"/evidence/customers/{chain}/verify", headers=ARBITER)).json()
    assert verification["intact"] is False
    assert [(f["problem"], f["seq"]) for f in verification["findings"]] == [("altered", 2), ("removed", 3)]
    assert "record #2 (decided by registration" in verification["findings"][0]["detail"]
