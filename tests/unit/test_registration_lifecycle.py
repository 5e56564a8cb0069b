"""A lead's life after the decision, on the in-memory broker: sales stages over HTTP, withdraw, deals closing
it, every move an event, and the funnel counted from them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from referee_registration.app import build_app
from referee_shared.auth import Role, issue_token
from referee_shared.events.common import Channel
from referee_shared.events.deals import DealClosed, DealOutcome
from referee_shared.events.leads import DecisionOutcome, LockChange
from referee_shared.kafka.deadletter import DeadLetter
from referee_shared.topics import DEALS_CLOSED, LEADS_DECISIONS, LEADS_LOCKS, LEADS_SUBMITTED, LEADS_TRANSITIONS

from ..builders import customer, envelope, make_uscc, submission
from .conftest import TEST_SECRET, InMemorySystem


def as_partner(partner_id: str) -> dict[str, str]:
    return _bearer(Role.PARTNER, partner_id)


def as_role(role: Role) -> dict[str, str]:
    return _bearer(role, None)


def _bearer(role: Role, partner_id: str | None) -> dict[str, str]:
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


async def accepted_lead(system: InMemorySystem, serial: int, partner_id: str = "dealer-hangzhou", **extra: Any) -> UUID:
    lead = submission(partner_id, who=customer(f"杭州生命周期客户{serial}", uscc=make_uscc(serial)), **extra)
    await system.publish(LEADS_SUBMITTED, envelope(lead))
    decision = [d for d in system.events(LEADS_DECISIONS) if d.payload.lead_id == lead.lead_id][-1]
    assert decision.payload.outcome is DecisionOutcome.ACCEPTED
    return lead.lead_id


def moves(system: InMemorySystem, lead_id: UUID) -> list[tuple[str | None, str]]:
    return [
        (e.payload.from_status, e.payload.to_status)
        for e in system.events(LEADS_TRANSITIONS)
        if e.payload.lead_id == lead_id
    ]


def deal(lead_id: UUID, outcome: DealOutcome, deal_id: str = "D-1") -> DealClosed:
    return DealClosed(
        deal_id=deal_id, lead_id=lead_id, outcome=outcome, amount=Decimal("180000"), closed_at=datetime.now(UTC)
    )


async def test_every_move_of_a_lead_is_an_event_with_partner_region_and_channel(
    system: InMemorySystem, http: httpx.AsyncClient
) -> None:
    lead_id = await accepted_lead(system, 6001)
    for stage in ("contacted", "qualified"):
        response = await http.post(
            f"/leads/{lead_id}/stage", json={"stage": stage}, headers=as_partner("dealer-hangzhou")
        )
        assert response.status_code == 200, response.text
    await system.settle()

    assert moves(system, lead_id) == [
        (None, "submitted"),
        ("submitted", "checking"),
        ("checking", "accepted"),
        ("accepted", "contacted"),
        ("contacted", "qualified"),
    ]
    last = system.events(LEADS_TRANSITIONS)[-1].payload
    assert (last.partner_id, last.region, last.channel, last.actor) == (
        "dealer-hangzhou",
        "浙江",
        Channel.DEALER,
        "dealer-hangzhou",
    )
    view = (await http.get(f"/leads/{lead_id}", headers=as_partner("dealer-hangzhou"))).json()
    assert view["status"] == "qualified"
    assert [h["to_status"] for h in view["history"]] == ["submitted", "checking", "accepted", "contacted", "qualified"]


async def test_a_stage_the_lifecycle_does_not_allow_is_refused_with_the_reason(
    system: InMemorySystem, http: httpx.AsyncClient
) -> None:
    lead_id = await accepted_lead(system, 6002)
    partner = as_partner("dealer-hangzhou")
    await http.post(f"/leads/{lead_id}/stage", json={"stage": "proposal"}, headers=partner)

    backwards = await http.post(f"/leads/{lead_id}/stage", json={"stage": "contacted"}, headers=partner)
    won_by_hand = await http.post(f"/leads/{lead_id}/stage", json={"stage": "won"}, headers=partner)

    assert backwards.status_code == 409
    assert backwards.json()["detail"] == (
        "a lead that is proposal cannot become contacted; "
        "allowed: expired, lost, negotiation, transferred, withdrawn, won"
    )
    assert won_by_hand.status_code == 422


async def test_another_partner_s_lead_is_answered_like_a_missing_one(
    system: InMemorySystem, http: httpx.AsyncClient
) -> None:
    lead_id = await accepted_lead(system, 6003)
    stranger = as_partner("dealer-shaoxing")

    assert (await http.get(f"/leads/{lead_id}", headers=stranger)).status_code == 404
    assert (
        await http.post(f"/leads/{lead_id}/stage", json={"stage": "contacted"}, headers=stranger)
    ).status_code == 404
    assert (await http.post(f"/leads/{lead_id}/withdraw", json={"reason": "x"}, headers=stranger)).status_code == 404
    assert (
        await http.post(f"/leads/{lead_id}/extension", json={"days": 5, "reason": "x"}, headers=stranger)
    ).status_code == 404
    assert (await http.get(f"/leads/{uuid4()}", headers=stranger)).status_code == 404
    assert (await http.get("/leads", headers=stranger)).json() == []


async def test_a_rejected_partner_learns_until_when_the_customer_is_protected_never_by_whom(
    system: InMemorySystem, http: httpx.AsyncClient
) -> None:
    who = customer("杭州保护期客户有限公司", uscc=make_uscc(6004), phone="0571-88880000")
    first, second = submission("dealer-hangzhou", who=who), submission("dealer-shaoxing", who=who)
    await system.publish(LEADS_SUBMITTED, envelope(first))
    await system.publish(LEADS_SUBMITTED, envelope(second))
    lock = system.events(LEADS_DECISIONS)[0].payload.lock
    assert lock is not None

    view = (await http.get(f"/leads/{second.lead_id}", headers=as_partner("dealer-shaoxing"))).json()

    assert view["status"] == "rejected"
    assert view["reason_code"] == "duplicate"
    assert datetime.fromisoformat(view["protected_until"]) == lock.expires_at
    assert view["reason"] == f"this customer is already protected until {lock.expires_at.isoformat()}"
    assert view["lock_expires_at"] is None
    assert "dealer-hangzhou" not in str(view)
    rejected = system.events(LEADS_DECISIONS)[-1].payload
    assert "dealer-hangzhou" not in rejected.model_dump_json()


async def test_withdrawing_releases_the_lock_and_another_partner_may_then_register(
    system: InMemorySystem, http: httpx.AsyncClient
) -> None:
    # Industrial goods: no territory rule, so both agents may register this customer.
    who = customer("杭州撤回客户有限公司", uscc=make_uscc(6005))
    first = submission("agent-zhao", who=who, product_line="compressors", channel=Channel.AGENT)
    await system.publish(LEADS_SUBMITTED, envelope(first))

    response = await http.post(
        f"/leads/{first.lead_id}/withdraw",
        json={"reason": "customer chose to wait"},
        headers=as_partner("agent-zhao"),
    )
    await system.settle()
    assert response.json()["status"] == "withdrawn"
    released = system.events(LEADS_LOCKS)[-1].payload
    assert (released.change, released.lead_id) == (LockChange.RELEASED, first.lead_id)
    [(workflow_id, ending)] = system.locks.ended
    assert workflow_id == system.locks.workflow_ids[0]
    assert ending.change == "released"

    later = submission("agent-qian", who=who, product_line="compressors", channel=Channel.AGENT)
    await system.publish(LEADS_SUBMITTED, envelope(later))
    decision = system.events(LEADS_DECISIONS)[-1].payload
    assert (decision.lead_id, decision.outcome) == (later.lead_id, DecisionOutcome.ACCEPTED)


async def test_a_won_deal_completes_the_lock_and_a_lost_one_releases_it(system: InMemorySystem) -> None:
    won, lost = await accepted_lead(system, 6006), await accepted_lead(system, 6007)

    await system.publish(DEALS_CLOSED, envelope(deal(won, DealOutcome.WON, "D-won"), producer="erp"))
    await system.publish(DEALS_CLOSED, envelope(deal(lost, DealOutcome.LOST, "D-lost"), producer="erp"))

    changes = {e.payload.lead_id: e.payload.change for e in system.events(LEADS_LOCKS)}
    assert (changes[won], changes[lost]) == (LockChange.COMPLETED, LockChange.RELEASED)
    assert moves(system, won)[-1] == ("accepted", "won")
    assert system.events(LEADS_TRANSITIONS)[-1].payload.actor == "erp"
    assert [ending.change for _, ending in system.locks.ended] == ["completed", "released"]


async def test_the_same_deal_reported_twice_changes_nothing(system: InMemorySystem) -> None:
    lead_id = await accepted_lead(system, 6008)

    await system.publish(DEALS_CLOSED, envelope(deal(lead_id, DealOutcome.WON, "D-8")))
    await system.publish(DEALS_CLOSED, envelope(deal(lead_id, DealOutcome.WON, "D-8")))  # a new event id

    assert moves(system, lead_id)[-1] == ("accepted", "won")
    assert len([m for m in moves(system, lead_id) if m[1] == "won"]) == 1
    assert system.raw("deadletter.registration") == []


async def test_a_deal_the_lifecycle_cannot_accept_is_dead_lettered_with_the_reason(system: InMemorySystem) -> None:
    who = customer("杭州红牌客户医院", uscc=make_uscc(6009))
    red_card = submission("agent-li", who=who, product_line="orthopaedics")
    await system.publish(LEADS_SUBMITTED, envelope(red_card))

    await system.publish(DEALS_CLOSED, envelope(deal(red_card.lead_id, DealOutcome.WON, "D-9")))
    await system.publish(DEALS_CLOSED, envelope(deal(uuid4(), DealOutcome.LOST, "D-10")))

    reasons = [DeadLetter.model_validate_json(raw).reason for raw in system.raw("deadletter.registration")]
    assert reasons[0] == "deal D-9: a lead that is rejected cannot become won; allowed: none (final)"
    assert reasons[1].startswith("unknown_lead: deal D-10 names lead")


async def test_the_funnel_counts_leads_entering_each_stage_per_partner_region_and_channel(
    system: InMemorySystem, http: httpx.AsyncClient
) -> None:
    hangzhou = [await accepted_lead(system, 6100 + n) for n in range(3)]
    agent = await accepted_lead(system, 6110, "agent-zhang", product_line="compressors", channel=Channel.AGENT)
    await http.post(f"/leads/{hangzhou[0]}/stage", json={"stage": "contacted"}, headers=as_partner("dealer-hangzhou"))
    await system.publish(DEALS_CLOSED, envelope(deal(hangzhou[1], DealOutcome.WON, "D-f1")))
    await system.publish(DEALS_CLOSED, envelope(deal(agent, DealOutcome.LOST, "D-f2")))
    reviewer = as_role(Role.REVIEWER)

    overall = (await http.get("/funnel", headers=reviewer)).json()
    by_partner = (await http.get("/funnel", params={"group_by": "partner"}, headers=reviewer)).json()
    by_channel = (await http.get("/funnel", params={"group_by": "channel"}, headers=reviewer)).json()
    by_region = (await http.get("/funnel", params={"group_by": "region"}, headers=reviewer)).json()
    own = (await http.get("/funnel", headers=as_partner("agent-zhang"))).json()
    before = (
        await http.get("/funnel", params={"since": _ago(days=10), "until": _ago(days=5)}, headers=reviewer)
    ).json()

    [row] = overall["rows"]
    assert {stage: row["counts"][stage] for stage in ("submitted", "accepted", "contacted", "won", "lost")} == {
        "submitted": 4, "accepted": 4, "contacted": 1, "won": 1, "lost": 1,
    }  # fmt: skip
    assert overall["stages"][:4] == ["submitted", "checking", "held", "accepted"]
    partners = {r["group"]: r["counts"] for r in by_partner["rows"]}
    assert (partners["dealer-hangzhou"]["accepted"], partners["agent-zhang"]["lost"]) == (3, 1)
    assert {r["group"]: r["counts"]["accepted"] for r in by_channel["rows"]} == {"agent": 1, "dealer": 3}
    assert {r["group"]: r["counts"]["submitted"] for r in by_region["rows"]} == {"浙江": 4}
    assert own["filters"]["partner_id"] == "agent-zhang"
    assert own["rows"][0]["counts"]["submitted"] == 1
    assert before["rows"][0]["counts"]["submitted"] == 0
    assert (
        await http.get("/funnel", params={"partner_id": "dealer-hangzhou"}, headers=as_partner("agent-zhang"))
    ).status_code == 403
    assert (await http.get("/funnel", params={"group_by": "colour"}, headers=reviewer)).status_code == 422


async def test_a_partner_asks_for_more_time_and_the_lock_workflow_gets_the_request(
    system: InMemorySystem, http: httpx.AsyncClient
) -> None:
    lead_id = await accepted_lead(system, 6200)

    response = await http.post(
        f"/leads/{lead_id}/extension",
        json={"days": 20, "reason": "tender in May"},
        headers=as_partner("dealer-hangzhou"),
    )

    assert response.status_code == 202
    assert response.json()["task_id"] == "ext-1"
    [(workflow_id, request)] = system.locks.extension_requests
    assert workflow_id == system.locks.workflow_ids[0]
    assert (request.days, request.requested_by) == (20, "dealer-hangzhou")
    await http.post(
        f"/leads/{lead_id}/withdraw", json={"reason": "lost interest"}, headers=as_partner("dealer-hangzhou")
    )
    refused = await http.post(
        f"/leads/{lead_id}/extension", json={"days": 5, "reason": "x"}, headers=as_partner("dealer-hangzhou")
    )
    assert refused.status_code == 409
    assert "holds no active lock" in refused.json()["detail"]


def _ago(*, days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()
