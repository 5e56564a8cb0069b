"""Arbitration alone, on the in-memory broker with stand-ins for registration, dedup and Temporal:
opening from Kafka and HTTP, refusals with reasons, the case file, statements, appeals, rulings, figures."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from referee_arbitration.domain.status import DisputeStatus
from referee_arbitration.workflows.models import ReviewOpening
from referee_shared.auth import Role
from referee_shared.events.disputes import DisputeStep
from referee_shared.events.leads import DecisionOutcome, LeadDecision
from referee_shared.kafka.deadletter import DeadLetter
from referee_shared.topics import DISPUTES_EVENTS, DISPUTES_OPENED, LEADS_DECISIONS, LEADS_SUBMITTED

from ..arbitration_builders import (
    CUSTOMER_NAME,
    DEALER_A,
    DEALER_B,
    DEALER_C,
    Court,
    building_materials_case,
    claimants_copy,
    dispute_by,
    open_court,
    tampered,
)
from ..builders import customer, envelope, submission


@pytest.fixture
async def court(tmp_path: Path) -> AsyncIterator[Court]:
    async with open_court(tmp_path) as built:
        yield built


async def test_a_dispute_by_the_dealer_refused_as_duplicate_opens_a_case_with_the_evidence(court: Court) -> None:
    case = building_materials_case(court.clock.now() - timedelta(days=33))
    court.hear(case)
    opened = dispute_by(DEALER_B, customer_key=case.chain)
    await court.publish(DISPUTES_OPENED, envelope(opened), key=str(opened.dispute_id))

    [event, claimants] = court.events(DISPUTES_EVENTS)
    assert event.payload.step is DisputeStep.OPENED
    assert event.payload.parties == [DEALER_B, DEALER_A]
    assert event.payload.audience == [DEALER_A]
    # A portal reads the whole topic: the claimant's copy never says who holds the customer.
    assert (claimants.payload.step, claimants.payload.audience) == (DisputeStep.OPENED, [DEALER_B])
    assert claimants.payload.parties == [DEALER_B, "respondent"]
    assert DEALER_A not in claimants.model_dump_json()
    assert event.payload.due_at == court.clock.now() + timedelta(hours=72)
    [(workflow_id, started)] = court.workflows.started.items()
    assert workflow_id == f"dispute-{opened.dispute_id}"
    assert (started.region, started.holder_id, started.contested_lead_id) == ("浙江", DEALER_A, case.lead_a)
    assert (started.rule_set, started.rule_version, started.rules.first_level_deadline_hours) == (
        "building-materials",
        1,
        72,
    )

    async with court.client(Role.ARBITER, subject="hq-chen") as arbiter:
        view = (await arbiter.get(f"/disputes/{opened.dispute_id}")).json()
    assert view["summary"]["status"] == DisputeStatus.FIRST_LEVEL
    assert view["evidence_intact"] is True
    assert view["evidence_digest"] == case.bundle.digest
    trail = view["evidence"]["trail"]
    assert [line["actor"] for line in trail[:7]] == [DEALER_A, "registration", *[DEALER_A] * 5]
    assert trail[7]["actor"] == DEALER_B  # A's registration and all follow-ups come first in the chain
    assert view["evidence"]["verdicts"][0]["explanation"][0] == {
        "field": "name",
        "score": 1.0,
        "detail": "normalised names are identical",
    }
    assert "active, protected until" in view["evidence"]["lock_history"][0]["what"]


async def test_a_partner_that_never_registered_or_followed_up_the_customer_is_refused_with_the_reason(
    court: Court,
) -> None:
    case = building_materials_case(court.clock.now() - timedelta(days=33))
    court.hear(case)
    opened = dispute_by(DEALER_C, customer_key=case.chain)
    await court.publish(DISPUTES_OPENED, envelope(opened), key=str(opened.dispute_id))

    [refused] = court.events(DISPUTES_EVENTS)
    assert refused.payload.step is DisputeStep.REFUSED
    assert refused.payload.reason_code == "not_involved"
    assert refused.payload.parties == [DEALER_C]  # the refusal concerns the claimant, not the dealers it named
    assert "neither registered nor followed up" in refused.payload.summary
    assert court.workflows.started == {}


async def test_a_dispute_about_an_unknown_customer_is_refused(court: Court) -> None:
    opened = dispute_by(DEALER_B, customer_key="cust-nobody")
    await court.publish(DISPUTES_OPENED, envelope(opened))
    [refused] = court.events(DISPUTES_EVENTS)
    assert refused.payload.reason_code == "unknown_subject"


async def test_a_malformed_dispute_is_dead_lettered_with_the_reason(court: Court) -> None:
    document = json.loads(envelope(dispute_by(DEALER_B, customer_key="x")).model_dump_json())
    document["payload"]["respondent_ids"] = []
    await court.publish_raw(DISPUTES_OPENED, json.dumps(document).encode(), key="bad")
    [raw] = court.seen["deadletter.arbitration"]
    letter = DeadLetter.model_validate_json(raw)
    assert letter.reason.startswith(
        "invalid dispute.opened v1: payload.respondent_ids: List should have at least 1 item"
    )


async def test_a_tampered_trail_is_flagged_on_the_case(court: Court) -> None:
    case = building_materials_case(court.clock.now() - timedelta(days=33))
    court.evidence.serve(tampered(case.bundle, 3, summary="nobody visited"))
    opened = dispute_by(DEALER_B, customer_key=case.chain)
    await court.publish(DISPUTES_OPENED, envelope(opened))

    assert court.steps(opened.dispute_id) == ["opened", "evidence_flagged"]
    flagged = [e.payload for e in court.events(DISPUTES_EVENTS) if not claimants_copy(e.payload)][1]
    assert "record #3 (activity by dealer-hangzhou" in flagged.summary
    async with court.client(Role.ARBITER) as arbiter:
        text = (await arbiter.get(f"/disputes/{opened.dispute_id}/case-file")).text
    assert "DOES NOT VERIFY" in text
    assert "! record #3 (activity by dealer-hangzhou" in text


async def test_an_opening_waits_for_registration_rather_than_deciding_without_evidence(court: Court) -> None:
    court.evidence.unavailable = True
    async with court.client(Role.PARTNER, partner_id=DEALER_B) as dealer_b:
        answer = await dealer_b.post(
            "/disputes", json={"respondent_ids": [DEALER_A], "customer_key": "c", "claim": "first"}
        )
    assert answer.status_code == 503
    assert "registration is down" in answer.json()["detail"]


async def test_partners_open_over_http_and_see_only_their_own_disputes(court: Court) -> None:
    case = building_materials_case(court.clock.now() - timedelta(days=33))
    court.hear(case)
    body = {"respondent_ids": [DEALER_A], "customer_key": case.chain, "claim": "We met them first, in January."}
    async with (
        court.client(Role.PARTNER, partner_id=DEALER_B) as dealer_b,
        court.client(Role.PARTNER, partner_id=DEALER_A) as dealer_a,
        court.client(Role.PARTNER, partner_id=DEALER_C) as dealer_c,
    ):
        opened = await dealer_b.post("/disputes", json=body)
        assert opened.status_code == 201, opened.text
        dispute_id = opened.json()["summary"]["dispute_id"]
        assert opened.json()["evidence"] is None  # the trail holds the other dealer's registrations: staff only

        refused = await dealer_c.post("/disputes", json=body)
        assert refused.status_code == 422
        assert refused.json()["detail"]["reason_code"] == "not_involved"

        assert [d["dispute_id"] for d in (await dealer_a.get("/disputes")).json()] == [dispute_id]
        assert (await dealer_a.get(f"/disputes/{dispute_id}")).status_code == 200
        assert (await dealer_c.get(f"/disputes/{dispute_id}")).status_code == 404
        assert [d["refusal_code"] for d in (await dealer_c.get("/disputes")).json()] == ["not_involved"]
        assert (await dealer_b.post("/disputes", json={**body, "claimant_id": DEALER_C})).status_code == 403


async def test_parties_add_statements_within_the_window_and_not_after(court: Court) -> None:
    case = building_materials_case(court.clock.now() - timedelta(days=33))
    court.hear(case)
    opened = dispute_by(DEALER_B, customer_key=case.chain)
    await court.publish(DISPUTES_OPENED, envelope(opened))
    path = f"/disputes/{opened.dispute_id}/statements"
    statement = {
        "text": "Our visit report of 12 January is attached.",
        "attachments": [{"name": "visit.pdf", "sha256": "a" * 64}],
    }
    async with (
        court.client(Role.PARTNER, partner_id=DEALER_B) as dealer_b,
        court.client(Role.PARTNER, partner_id=DEALER_C) as dealer_c,
    ):
        added = await dealer_b.post(path, json=statement)
        assert added.status_code == 201, added.text
        assert (await dealer_c.post(path, json=statement)).status_code == 404

        court.clock.set(court.clock.now() + timedelta(hours=72))
        late = await dealer_b.post(path, json=statement)
        assert late.status_code == 409
        assert late.json()["detail"].startswith("the statement window closed at")
        view = (await dealer_b.get(f"/disputes/{opened.dispute_id}")).json()
    assert [s["text"] for s in view["statements"]] == [statement["text"]]
    await court.settle()
    assert court.steps(opened.dispute_id) == ["opened", "statement_added"]


async def test_appeals_and_rulings_go_to_the_workflow_and_its_refusals_come_back(court: Court) -> None:
    case = building_materials_case(court.clock.now() - timedelta(days=33))
    court.hear(case)
    opened = dispute_by(DEALER_B, customer_key=case.chain)
    await court.publish(DISPUTES_OPENED, envelope(opened))
    await court.components.steps.open_review(_review(opened.dispute_id, court))
    async with (
        court.client(Role.PARTNER, partner_id=DEALER_B) as dealer_b,
        court.client(Role.REVIEWER, regions=["浙江"], subject="wang") as zhejiang,
        court.client(Role.REVIEWER, regions=["江苏"]) as jiangsu,
    ):
        shares = [{"party_id": DEALER_A, "ratio": "0.6"}, {"party_id": DEALER_B, "ratio": "0.4"}]
        ruling = {"choice": "share", "reason": "Both dealers worked the customer.", "shares": shares}
        assert (await jiangsu.post(f"/disputes/{opened.dispute_id}/ruling", json=ruling)).status_code == 404
        ruled = await zhejiang.post(f"/disputes/{opened.dispute_id}/ruling", json=ruling)
        assert ruled.status_code == 200, ruled.text
        [decision] = court.workflows.decisions
        assert (decision.task_id, decision.decided_by, decision.role) == (
            f"dispute-{opened.dispute_id}-1",
            "wang",
            "reviewer",
        )
        assert decision.details["shares"] == [
            {"party_id": DEALER_A, "ratio": "0.6"},
            {"party_id": DEALER_B, "ratio": "0.4"},
        ]

        court.workflows.refuse_with = "there is no ruling to appeal now"
        refused = await dealer_b.post(
            f"/disputes/{opened.dispute_id}/appeal", json={"grounds": "The reviewer ignored our report."}
        )
        assert refused.status_code == 409
        assert refused.json()["detail"] == "there is no ruling to appeal now"
        assert (await zhejiang.post(f"/disputes/{opened.dispute_id}/appeal", json={"grounds": "x"})).status_code == 403


async def test_figures_rate_disputes_per_accepted_registration_by_region_and_channel(court: Court) -> None:
    for serial in range(4):
        lead = submission(DEALER_A, who=customer(f"{CUSTOMER_NAME}{serial}"))
        await court.publish(LEADS_SUBMITTED, envelope(lead))
        decided = LeadDecision(
            lead_id=lead.lead_id,
            partner_id=DEALER_A,
            outcome=DecisionOutcome.ACCEPTED,
            reason_code="first_valid_claim",
            reason="first",
            rule_set="building-materials",
            rule_version=1,
            decided_at=court.clock.now(),
        )
        await court.publish(LEADS_DECISIONS, envelope(decided))
    case = building_materials_case(court.clock.now() - timedelta(days=33))
    court.hear(case)
    await court.publish(DISPUTES_OPENED, envelope(dispute_by(DEALER_B, customer_key=case.chain)))
    async with court.client(Role.ARBITER) as hq, court.client(Role.PARTNER, partner_id=DEALER_A) as dealer_a:
        rows = (
            await hq.get("/disputes/figures", params={"period": "month", "since": "2026-03-01", "until": "2026-03-31"})
        ).json()
        assert (await dealer_a.get("/disputes/figures")).status_code == 403
    assert rows == [
        {
            "period": "2026-03",
            "region": "浙江",
            "channel": "dealer",
            "opened": 1,
            "refused": 0,
            "escalated": 0,
            "resolved": 0,
            "accepted_registrations": 4,
            "median_hours_to_ruling": None,
            "conflict_rate": "0.2500",
        }
    ]


def _review(dispute_id: UUID, court: Court) -> ReviewOpening:
    """What the workflow's first activity asks for: the regional reviewer's task."""
    return ReviewOpening(
        action_id=uuid4(),
        dispute_id=dispute_id,
        task_id=f"dispute-{dispute_id}-1",
        level=1,
        due_at=court.clock.now() + timedelta(hours=72),
        at=court.clock.now(),
    )
