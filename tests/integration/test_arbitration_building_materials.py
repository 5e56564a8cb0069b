"""The brief's building-materials case end to end: dealer A registers a Hangzhou customer and follows it up
for a month; dealer B from neighbouring Shaoxing claims it contacted the customer first; the evidence
chain shows A first; the regional reviewer does not act in time, the case escalates, the HQ arbiter
upholds A; B's appeal window closes and the ruling takes effect.

The split: everything runs for real — Kafka, PostgreSQL, the five services, registration's evidence and
dedup's verdicts over HTTP, the reviewers' inbox — except that the Temporal server is the time-skipping
test server instead of the development server. The case's timeline spans 72 h (first-level deadline),
120 h (HQ deadline) and 168 h (appeal window); only a server whose clock the test can move lets those
pass, and the time-skipping server speaks the same gRPC API, so the services, their workers, the inbox's
updates and the workflow are the production code paths. The month of follow-ups is time on the dealers'
side: the trail records them in order, and order is what the case turns on. (The same flows with the
development server's real clock, where no deadline passes, are in test_arbitration_end_to_end.py.)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from referee_shared.auth import Role
from referee_shared.events.disputes import DisputeOpened, DisputeStep, OpenedBy, RulingOutcome
from referee_shared.events.leads import ActivityKind, DecisionOutcome
from referee_shared.topics import DISPUTES_OPENED, DISPUTES_RULINGS

from ..arbitration_stack import CourtStack, court_stack
from ..builders import customer, envelope, make_uscc, submission
from ..time_skipping import address_of

pytestmark = pytest.mark.integration

DEALER_A, DEALER_B = "dealer-hangzhou", "dealer-shaoxing"
HOUR = timedelta(hours=1)
FOLLOW_UPS = (
    (ActivityKind.VISIT, "met the purchasing manager on site"),
    (ActivityKind.QUOTE, "quoted 1,200 m2 of floor tiles"),
    (ActivityKind.VISIT, "showroom visit with the project engineer"),
    (ActivityKind.MEETING, "negotiated delivery dates"),
    (ActivityKind.CHECK_IN, "on-site check-in at the warehouse"),
)


@pytest.fixture(scope="module")
async def court(infrastructure: None, time_skipping: WorkflowEnvironment) -> AsyncIterator[CourtStack]:
    stack = court_stack("bm", temporal_address=address_of(time_skipping))
    await stack.start()
    yield stack
    await stack.stop()


async def test_reviewer_misses_the_deadline_hq_upholds_dealer_a_and_b_lets_the_appeal_window_close(
    court: CourtStack, time_skipping: WorkflowEnvironment
) -> None:
    env = time_skipping
    code = make_uscc(701)
    first = submission(DEALER_A, who=customer("杭州钱江建材市场有限公司", uscc=code))
    assert (await court.register(first)).outcome is DecisionOutcome.ACCEPTED
    for kind, summary in FOLLOW_UPS:
        await court.follow_up(first, kind, summary)
    await court.trail_of(first.lead_id, records=2 + len(FOLLOW_UPS))
    second = submission(DEALER_B, who=customer("杭州錢江建材市場", uscc=code))
    assert (await court.register(second)).reason_code == "duplicate"

    opened = DisputeOpened(
        dispute_id=uuid4(),
        opened_by=OpenedBy.PARTNER,
        claimant_id=DEALER_B,
        respondent_ids=[DEALER_A],
        lead_id=second.lead_id,
        claim="We contacted this customer first: our sales rep visited in January, before dealer-hangzhou.",
    )
    await court.publish(DISPUTES_OPENED, envelope(opened), key=str(opened.dispute_id))
    dispute = opened.dispute_id
    opened_step = await court.step(dispute, DisputeStep.OPENED)
    assert opened_step.due_at == opened_step.at + 72 * HOUR

    async with (
        court.http("arbitration", court.token(Role.ARBITER, "hq-chen")) as hq_cases,
        court.http("arbitration", court.token(Role.PARTNER, DEALER_B, partner_id=DEALER_B)) as dealer_b,
        court.http("registration", court.token(Role.REVIEWER, "wang", regions=["浙江"])) as reviewer,
        court.http("registration", court.token(Role.ARBITER, "hq-chen")) as arbiter,
    ):
        case = (await hq_cases.get(f"/disputes/{dispute}")).json()
        assert case["evidence_intact"] is True
        who_did_what = [(line["actor"], line["kind"]) for line in case["evidence"]["trail"]]
        b_registered = who_did_what.index((DEALER_B, "registered"))
        a_steps = [i for i, (actor, kind) in enumerate(who_did_what) if actor == DEALER_A]
        assert who_did_what[a_steps[0]] == (DEALER_A, "registered")
        assert [kind for actor, kind in who_did_what if actor == DEALER_A].count("activity") == len(FOLLOW_UPS)
        assert max(a_steps) < b_registered  # the chain shows A's registration and every follow-up first
        assert case["evidence"]["verdicts"], "dedup's verdicts with their explanations are on the case"

        first_level = await _listed(reviewer, dispute, level=1)
        assert first_level["due_at"].startswith(opened_step.due_at.strftime("%Y-%m-%dT%H:%M"))

        await env.sleep(49 * HOUR)  # the regional reviewer does nothing
        reminder = await court.step(dispute, DisputeStep.REMINDER)
        assert reminder.due_at == opened_step.due_at
        await env.sleep(24 * HOUR)
        escalated = await court.step(dispute, DisputeStep.ESCALATED)
        assert (escalated.reason_code, escalated.level) == ("deadline_passed", 2)

        hq_task = await _listed(arbiter, dispute, level=2)
        too_late = await reviewer.post(
            f"/inbox/{first_level['task_id']}/decision", json={"choice": "transfer", "reason": "B was there first."}
        )
        assert too_late.status_code == 409
        upheld = await arbiter.post(
            f"/inbox/{hq_task['task_id']}/decision",
            json={
                "choice": "uphold",
                "reason": "The chain shows dealer-hangzhou's registration and five follow-ups before any trace of "
                "dealer-shaoxing; no evidence of the claimed January visit was produced.",
            },
        )
        assert upheld.status_code == 200, upheld.text
        ruled = await court.step(dispute, DisputeStep.RULED)
        assert (ruled.level, ruled.outcome, ruled.final) == (2, RulingOutcome.UPHELD, False)
        assert ruled.due_at == ruled.at + 168 * HOUR

        await env.sleep(169 * HOUR)  # dealer B does not appeal
        closed = await court.step(dispute, DisputeStep.APPEAL_WINDOW_CLOSED)
        assert closed.final
        late = await dealer_b.post(f"/disputes/{dispute}/appeal", json={"grounds": "We found the visit report."})
        assert late.status_code == 409
        text = (await hq_cases.get(f"/disputes/{dispute}/case-file")).text

    [ruling] = await court.events(DISPUTES_RULINGS, lambda e: e.payload.dispute_id == dispute)
    assert (ruling.payload.outcome, ruling.payload.level, ruling.payload.decided_by) == (
        RulingOutcome.UPHELD,
        2,
        "hq-chen",
    )
    assert ruling.payload.lead_id == first.lead_id
    assert ruling.payload.new_holder_id is None
    assert ruling.payload.evidence_digest == case["evidence_digest"]
    assert (ruling.payload.rule_set, ruling.payload.rule_version) == ("building-materials", 1)
    assert "level 2  upheld  by hq-chen" in text
    trail = await court.trail_of(first.lead_id, records=len(case["evidence"]["trail"]) + 1)
    assert trail["records"][-1]["kind"] == "ruling"  # registration put the ruling on the customer's chain
    print(text)  # the case file as the arbiter read it (shown with pytest -s)


async def _listed(client: httpx.AsyncClient, dispute_id: UUID, level: int) -> dict[str, Any]:
    for _ in range(150):
        tasks = (await client.get("/inbox", params={"kind": "dispute_review"})).json()
        found = [t for t in tasks if t["details"].get("dispute_id") == str(dispute_id) and t["level"] == level]
        if found:
            return dict(found[0])
        await asyncio.sleep(0.1)
    raise AssertionError(f"no level-{level} review of dispute {dispute_id} reached the inbox")
