"""Disputes through the real Kafka, Temporal and PostgreSQL, with arbitration reading registration's
evidence and dedup's verdicts over real HTTP: a transfer ruling moves the lock and both dealers hear of
it; a tampered trail is flagged on the case; a dealer that never dealt with the customer is refused."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from referee_shared.auth import Role
from referee_shared.events.disputes import DisputeOpened, DisputeStep, OpenedBy, RulingOutcome
from referee_shared.events.leads import ActivityKind, DecisionOutcome, LockChange
from referee_shared.kafka.deadletter import DeadLetter
from referee_shared.topics import DISPUTES_OPENED, DISPUTES_RULINGS, LEADS_LOCKS, dead_letter_topic

from ..arbitration_stack import CourtStack, court_stack
from ..builders import customer, envelope, make_uscc, submission
from ..stack import POSTGRES

pytestmark = pytest.mark.integration

DEALER_A, DEALER_B, DEALER_C = "dealer-hangzhou", "dealer-shaoxing", "dealer-suzhou"
REASON = "The evidence chain shows dealer-hangzhou registered first; the appeal shows no earlier contact."


@pytest.fixture(scope="module")
async def court(infrastructure: None) -> AsyncIterator[CourtStack]:
    stack = court_stack("court")
    await stack.start()
    yield stack
    await stack.stop()


async def a_registers_and_b_is_refused_as_duplicate(court: CourtStack, serial: int, name: str) -> tuple[Any, Any]:
    """Dealer A registers and follows up a Hangzhou customer; dealer B registers it afterwards."""
    code = make_uscc(serial)
    first = submission(DEALER_A, who=customer(f"杭州{name}建材有限公司", uscc=code))
    assert (await court.register(first)).outcome is DecisionOutcome.ACCEPTED
    await court.follow_up(first, ActivityKind.VISIT, "met the purchasing manager on site")
    await court.follow_up(first, ActivityKind.QUOTE, "quoted 1,200 m2 of floor tiles")
    await court.trail_of(first.lead_id, records=4)  # the follow-ups are on the trail before B comes
    second = submission(DEALER_B, who=customer(f"杭州{name}建材", uscc=code))
    refused = await court.register(second)
    assert (refused.outcome, refused.reason_code) == (DecisionOutcome.REJECTED, "duplicate")
    return first, second


async def listed_task(client: httpx.AsyncClient, dispute_id: UUID, level: int) -> dict[str, Any]:
    """The dispute's open review in a reviewer's inbox (the inbox hears of it on tasks.events)."""
    for _ in range(150):
        tasks = (await client.get("/inbox", params={"kind": "dispute_review"})).json()
        found = [t for t in tasks if t["details"].get("dispute_id") == str(dispute_id) and t["level"] == level]
        if found:
            return dict(found[0])
        await asyncio.sleep(0.1)
    raise AssertionError(f"no level-{level} review of dispute {dispute_id} reached the inbox")


async def test_a_transfer_ruling_moves_the_lock_and_both_parties_are_notified(court: CourtStack) -> None:
    first, second = await a_registers_and_b_is_refused_as_duplicate(court, 611, "钱江新城")
    claim = {"respondent_ids": [DEALER_A], "lead_id": str(second.lead_id), "claim": "We surveyed this site in January."}
    async with (
        court.http("arbitration", court.token(Role.PARTNER, DEALER_B, partner_id=DEALER_B)) as dealer_b,
        court.http("registration", court.token(Role.REVIEWER, "wang", regions=["浙江"])) as reviewer,
        court.http("registration", court.token(Role.ARBITER, "hq-chen")) as arbiter,
    ):
        opened = await dealer_b.post("/disputes", json=claim)
        assert opened.status_code == 201, opened.text
        dispute_id = UUID(opened.json()["summary"]["dispute_id"])
        assert opened.json()["holder_id"] == "respondent"  # the claimant is never told who holds the customer
        assert DEALER_A not in opened.text
        assert opened.json()["contested_lead_id"] == str(first.lead_id)

        first_level = await listed_task(reviewer, dispute_id, level=1)
        assert first_level["choices"] == ["uphold", "transfer", "share", "dismiss"]
        decided = await reviewer.post(
            f"/inbox/{first_level['task_id']}/decision", json={"choice": "uphold", "reason": REASON}
        )
        assert decided.status_code == 200, decided.text
        ruled = await court.step(dispute_id, DisputeStep.RULED)
        assert (ruled.level, ruled.final, ruled.outcome) == (1, False, RulingOutcome.UPHELD)

        appealed = await dealer_b.post(
            f"/disputes/{dispute_id}/appeal", json={"grounds": "Our January survey was ignored."}
        )
        assert appealed.status_code == 202, appealed.text
        escalated = await court.step(dispute_id, DisputeStep.ESCALATED)
        assert escalated.reason_code == "appealed"

        hq = await listed_task(arbiter, dispute_id, level=2)
        transferred = await arbiter.post(
            f"/inbox/{hq['task_id']}/decision",
            json={"choice": "transfer", "reason": "The survey report of 12 January predates the registration."},
        )
        assert transferred.status_code == 200, transferred.text

    [ruling] = await court.events(DISPUTES_RULINGS, lambda e: e.payload.dispute_id == dispute_id)
    assert (ruling.payload.outcome, ruling.payload.new_holder_id) == (RulingOutcome.TRANSFERRED, DEALER_B)
    assert ruling.payload.lead_id == first.lead_id
    assert (ruling.payload.rule_set, ruling.payload.rule_version, ruling.payload.level) == ("building-materials", 1, 2)
    [moved] = await court.events(
        LEADS_LOCKS, lambda e: e.payload.change is LockChange.TRANSFERRED and e.payload.previous_partner_id == DEALER_A
    )
    assert moved.payload.partner_id == DEALER_B
    steps = await court.steps(dispute_id, 5)
    assert [s.step.value for s in steps] == ["opened", "ruled", "appealed", "escalated", "ruled"]
    assert (steps[-1].final, steps[-1].parties) == (True, [DEALER_B, DEALER_A])  # both dealers are told


async def test_a_tampered_trail_is_flagged_on_the_case(court: CourtStack) -> None:
    first, second = await a_registers_and_b_is_refused_as_duplicate(court, 612, "之江")
    trail = await court.trail_of(first.lead_id, records=4)
    visit = next(r for r in trail["records"] if r["kind"] == "activity")
    connection = await asyncpg.connect(f"{POSTGRES}/{court.database_prefix}_registration")
    try:  # someone with database rights drops the append-only guard and rewrites A's visit afterwards
        changed = {**visit["content"], "summary": "nobody visited"}
        await connection.execute("SET session_replication_role = replica")  # triggers off for this session
        await connection.execute(
            "UPDATE evidence_records SET content = $1::json WHERE record_id = $2",
            json.dumps(changed),
            UUID(visit["record_id"]),
        )
    finally:
        await connection.close()
    opened = DisputeOpened(
        dispute_id=uuid4(),
        opened_by=OpenedBy.PARTNER,
        claimant_id=DEALER_B,
        respondent_ids=[DEALER_A],
        lead_id=second.lead_id,
        claim="dealer-hangzhou never visited this customer.",
    )
    await court.publish(DISPUTES_OPENED, envelope(opened), key=str(opened.dispute_id))

    flagged = await court.step(opened.dispute_id, DisputeStep.EVIDENCE_FLAGGED)
    assert f"record #{visit['seq']} (activity by {DEALER_A}" in flagged.summary
    async with court.http("arbitration", court.token(Role.ARBITER, "hq-chen")) as arbiter:
        text = (await arbiter.get(f"/disputes/{opened.dispute_id}/case-file")).text
    assert "DOES NOT VERIFY" in text
    assert "nobody visited" in text  # the altered record is shown as found, next to the warning


async def test_a_dealer_that_never_dealt_with_the_customer_is_refused_and_bad_input_is_dead_lettered(
    court: CourtStack,
) -> None:
    first, _ = await a_registers_and_b_is_refused_as_duplicate(court, 613, "西溪")
    outsider = DisputeOpened(
        dispute_id=uuid4(),
        opened_by=OpenedBy.PARTNER,
        claimant_id=DEALER_C,
        respondent_ids=[DEALER_A],
        lead_id=first.lead_id,
        claim="This customer is ours.",
    )
    await court.publish(DISPUTES_OPENED, envelope(outsider), key=str(outsider.dispute_id))
    refused = await court.step(outsider.dispute_id, DisputeStep.REFUSED)
    assert (refused.reason_code, refused.parties) == ("not_involved", [DEALER_C])

    marker = f"broken-{uuid4()}"
    await court.publish_raw(DISPUTES_OPENED, b'{"type": "dispute.opened"', key=marker)
    assert court.watcher is not None
    [letter] = await court.watcher.wait_for(
        court.topic(dead_letter_topic("arbitration")), lambda s: s.key == marker.encode()
    )
    assert DeadLetter.model_validate_json(letter.value).reason.startswith("not JSON")

    async with court.http("arbitration", court.token(Role.ARBITER, "hq-chen")) as hq:
        rows = (await hq.get("/disputes/figures", params={"period": "day"})).json()
    zhejiang = [r for r in rows if (r["region"], r["channel"]) == ("浙江", "dealer")]
    assert sum(r["refused"] for r in zhejiang) >= 1
    assert sum(r["accepted_registrations"] for r in zhejiang) >= 3
