"""The dispute workflow's timeline on the time-skipping server, with arbitration's real activities
(SQLite and the in-memory broker): deadlines, reminders, escalation, appeals and the ruling that takes effect."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from referee_arbitration.ports import WorkflowRefused
from referee_arbitration.store import DisputeRepository
from referee_arbitration.workflows.activities import DisputeActivities
from referee_arbitration.workflows.client import TemporalDisputeWorkflows
from referee_arbitration.workflows.dispute_escalation import DisputeEscalationWorkflow
from referee_arbitration.workflows.models import AppealFiled, ReviewOpening
from referee_shared.events.common import Channel
from referee_shared.events.disputes import DisputeStep, RulingOutcome
from referee_shared.events.tasks import TaskClosed, TaskDecision, TaskOpened
from referee_shared.topics import DISPUTES_EVENTS, DISPUTES_OPENED, DISPUTES_RULINGS, TASKS_EVENTS

from ..arbitration_builders import (
    DEALER_A,
    DEALER_B,
    DEALER_C,
    Court,
    building_materials_case,
    claimants_copy,
    dispute_by,
    open_court,
)
from ..builders import envelope

HOUR = timedelta(hours=1)
REASON = "The evidence chain shows dealer-hangzhou registered first and followed up five times."


class Proceedings:
    """One dispute opened in a court whose workflow runs on the time-skipping server."""

    def __init__(
        self, court: Court, env: WorkflowEnvironment, handle: WorkflowHandle[Any, Any], dispute_id: Any
    ) -> None:
        self.court, self.env, self.handle, self.dispute_id = court, env, handle, dispute_id
        self.workflows = TemporalDisputeWorkflows(lambda: env.client, "unused")

    async def after(self, duration: timedelta) -> None:
        await self.env.sleep(duration)

    async def steps(self, count: int) -> list[Any]:
        """The first ``count`` steps published for the dispute, waiting for the activities to catch up."""

        def found() -> list[Any]:
            steps = [e.payload for e in self.court.events(DISPUTES_EVENTS) if e.payload.dispute_id == self.dispute_id]
            return [step for step in steps if not claimants_copy(step)]

        try:
            await eventually(self.court, lambda: len(found()) >= count)
        except AssertionError:
            raise AssertionError([(s.step.value, s.summary) for s in found()]) from None
        return found()[:count]

    def tasks(self) -> list[Any]:
        return [e.payload for e in self.court.events(TASKS_EVENTS)]

    async def decide(
        self, task: int, choice: str, *, role: str = "arbiter", by: str = "hq-chen", **details: Any
    ) -> str:
        decision = TaskDecision(
            task_id=f"dispute-{self.dispute_id}-{task}",
            choice=choice,
            reason=REASON,
            decided_by=by,
            role=role,
            details=details,
        )
        return await self.workflows.decide(self.handle.id, decision)

    async def appeal(self, party: str, grounds: str = "The reviewer ignored our January visit report.") -> str:
        return await self.workflows.appeal(self.handle.id, AppealFiled(party_id=party, grounds=grounds))


async def eventually(court: Court, check: Callable[[], bool], timeout: float = 15) -> None:
    for _ in range(int(timeout / 0.05)):
        await court.settle()
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the workflow's activities did not get there in time")


@asynccontextmanager
async def proceedings_with(
    tmp_path: Path, env: WorkflowEnvironment, activities: Callable[[Court], DisputeActivities]
) -> AsyncIterator[Proceedings]:
    """A dispute opened by dealer B in a court whose workflow runs on the time-skipping server."""
    now = await env.get_current_time()
    async with open_court(tmp_path, now=now) as court:
        case = building_materials_case(now - timedelta(days=33))
        court.hear(case)
        opened = dispute_by(DEALER_B, customer_key=case.chain)
        await court.publish(DISPUTES_OPENED, envelope(opened))
        [(workflow_id, started)] = court.workflows.started.items()
        queue = f"disputes-{uuid4()}"
        async with Worker(
            env.client, task_queue=queue, workflows=[DisputeEscalationWorkflow], activities=activities(court).all()
        ):
            handle = await env.client.start_workflow(
                DisputeEscalationWorkflow.run, started, id=workflow_id, task_queue=queue
            )
            yield Proceedings(court, env, handle, opened.dispute_id)


@pytest.fixture
async def proceedings(tmp_path: Path, time_skipping: WorkflowEnvironment) -> AsyncIterator[Proceedings]:
    async with proceedings_with(
        tmp_path, time_skipping, lambda court: DisputeActivities(court.components.steps)
    ) as running:
        await eventually(running.court, lambda: len(running.tasks()) == 1)
        yield running


class SlowToAnnounce(DisputeActivities):
    """Opens review tasks only when told to, like an inbox that hears of a task after its reviewer acts."""

    announce = asyncio.Event()

    @activity.defn(name="dispute_open_review")
    async def open_review(self, opening: ReviewOpening) -> None:
        await self.announce.wait()
        await super().open_review(opening)


async def test_the_reviewer_misses_the_deadline_hq_upholds_a_and_b_lets_the_appeal_window_close(
    proceedings: Proceedings,
) -> None:
    opened_at = proceedings.court.clock.now()
    [first] = proceedings.tasks()
    assert isinstance(first, TaskOpened)
    assert (first.role, first.level, first.region, first.due_at) == ("reviewer", 1, "浙江", opened_at + 72 * HOUR)
    assert first.details["evidence_intact"] is True

    await proceedings.after(49 * HOUR)
    steps = await proceedings.steps(2)
    assert steps[1].step is DisputeStep.REMINDER
    assert steps[1].due_at == opened_at + 72 * HOUR

    await proceedings.after(24 * HOUR)
    steps = await proceedings.steps(3)
    escalated = steps[2]
    assert (escalated.step, escalated.level, escalated.reason_code) == (DisputeStep.ESCALATED, 2, "deadline_passed")
    await eventually(proceedings.court, lambda: len(proceedings.tasks()) == 3)
    closed, hq = proceedings.tasks()[1:]
    assert isinstance(closed, TaskClosed)
    assert (closed.task_id, closed.outcome) == (first.task_id, "escalated")
    assert (hq.role, hq.level, hq.region, hq.due_at) == ("arbiter", 2, None, escalated.due_at)
    assert escalated.due_at - escalated.at == 120 * HOUR

    with pytest.raises(WorkflowRefused, match="is not the open review"):
        await proceedings.decide(1, "transfer", role="reviewer", by="wang")  # too late: the case is at HQ
    with pytest.raises(WorkflowRefused, match="a level-2 ruling is made by the role arbiter"):
        await proceedings.decide(2, "transfer", role="reviewer", by="wang")
    assert await proceedings.decide(2, "uphold") == "ruling recorded: upheld"
    ruled = (await proceedings.steps(4))[3]
    assert (ruled.step, ruled.outcome, ruled.final, ruled.level) == (DisputeStep.RULED, RulingOutcome.UPHELD, False, 2)
    assert ruled.due_at - ruled.at == 168 * HOUR
    assert proceedings.court.events(DISPUTES_RULINGS) == []  # appealable: not in effect yet

    await proceedings.after(145 * HOUR)
    reminder = (await proceedings.steps(5))[4]
    assert (reminder.step, reminder.due_at) == (DisputeStep.REMINDER, ruled.due_at)
    await proceedings.after(24 * HOUR)
    closed_window = (await proceedings.steps(6))[5]
    assert (closed_window.step, closed_window.final) == (DisputeStep.APPEAL_WINDOW_CLOSED, True)
    assert await proceedings.handle.result() == "upheld"

    await eventually(proceedings.court, lambda: len(proceedings.court.events(DISPUTES_RULINGS)) == 1)
    [ruling] = [e.payload for e in proceedings.court.events(DISPUTES_RULINGS)]
    assert (ruling.outcome, ruling.level, ruling.decided_by, ruling.reason) == (
        RulingOutcome.UPHELD,
        2,
        "hq-chen",
        REASON,
    )
    assert (ruling.rule_set, ruling.rule_version) == ("building-materials", 1)
    assert ruling.evidence_digest == proceedings.court.evidence.bundles[0].digest
    assert ruling.new_holder_id is None
    with pytest.raises(WorkflowRefused, match="proceedings have ended"):
        await proceedings.appeal(DEALER_B)


async def test_an_appeal_in_time_goes_to_hq_whose_transfer_takes_effect_at_once(proceedings: Proceedings) -> None:
    await proceedings.decide(1, "uphold", role="reviewer", by="wang")
    ruled = (await proceedings.steps(2))[1]
    assert (ruled.level, ruled.final) == (1, False)

    with pytest.raises(WorkflowRefused, match=f"{DEALER_C} is not a party"):
        await proceedings.appeal(DEALER_C)
    await proceedings.after(100 * HOUR)
    assert await proceedings.appeal(DEALER_B) == "appeal accepted: an HQ arbiter will review the ruling"
    with pytest.raises(WorkflowRefused, match="appealed already"):
        await proceedings.appeal(DEALER_A)
    appealed, escalated = (await proceedings.steps(4))[2:]
    assert (appealed.step, appealed.actor) == (DisputeStep.APPEALED, DEALER_B)
    assert (escalated.step, escalated.reason_code) == (DisputeStep.ESCALATED, "appealed")

    await eventually(proceedings.court, lambda: len(proceedings.tasks()) == 3)
    hq = proceedings.tasks()[2]
    assert hq.details["review_of"] == f"appeal by {DEALER_B} against the level-1 ruling of wang"
    assert await proceedings.decide(2, "transfer") == "ruling recorded: transferred"
    assert await proceedings.handle.result() == "transferred"

    await eventually(proceedings.court, lambda: len(proceedings.court.events(DISPUTES_RULINGS)) == 1)
    [ruling] = [e.payload for e in proceedings.court.events(DISPUTES_RULINGS)]
    assert (ruling.outcome, ruling.new_holder_id, ruling.level) == (RulingOutcome.TRANSFERRED, DEALER_B, 2)
    assert ruling.new_holder_channel is Channel.DEALER  # settlement credits the new holder by its channel
    final = (await proceedings.steps(5))[4]
    assert (final.step, final.final, final.parties) == (DisputeStep.RULED, True, [DEALER_B, DEALER_A])


async def test_an_appeal_against_hq_is_reviewed_by_another_arbiter_and_an_overdue_review_is_announced(
    proceedings: Proceedings,
) -> None:
    await proceedings.after(73 * HOUR)
    await eventually(proceedings.court, lambda: len(proceedings.tasks()) == 3)
    shares = [{"party_id": DEALER_A, "ratio": "0.8"}, {"party_id": DEALER_B, "ratio": "0.2"}]
    await proceedings.decide(2, "share", shares=shares)
    await proceedings.appeal(DEALER_A, "dealer-shaoxing did nothing the trail can show.")
    await eventually(proceedings.court, lambda: len(proceedings.tasks()) == 5)

    with pytest.raises(WorkflowRefused, match="hq-chen made the ruling under appeal and may not review it"):
        await proceedings.decide(3, "uphold")
    await proceedings.after(121 * HOUR)
    steps = await proceedings.steps(8)
    assert [s.step.value for s in steps[-2:]] == ["reminder", "overdue"]

    await proceedings.decide(3, "uphold", by="hq-li")
    assert await proceedings.handle.result() == "upheld"
    async with proceedings.court.runtime.sessions() as session:
        rulings = await DisputeRepository(session).rulings(proceedings.dispute_id)
    assert [(r.outcome, r.decided_by, r.final) for r in rulings] == [
        ("shared", "hq-chen", False),
        ("upheld", "hq-li", True),
    ]
    assert rulings[0].shares == [  # with each party's channel, for settlement
        {"party_id": DEALER_A, "ratio": "0.8", "channel": "dealer"},
        {"party_id": DEALER_B, "ratio": "0.2", "channel": "dealer"},
    ]


async def test_a_reviewer_may_rule_before_the_task_is_announced(
    tmp_path: Path, time_skipping: WorkflowEnvironment
) -> None:
    SlowToAnnounce.announce = asyncio.Event()
    async with proceedings_with(tmp_path, time_skipping, lambda court: SlowToAnnounce(court.components.steps)) as early:
        # The workflow has defined its first review (a query says so) but has not announced it yet.
        expected = f"dispute-{early.dispute_id}-1"
        for _ in range(200):
            if (await early.handle.query("state"))["open_task"] == expected:
                break
            await asyncio.sleep(0.05)
        assert early.tasks() == []
        assert await early.decide(1, "uphold", role="reviewer", by="wang") == "ruling recorded: upheld"
        SlowToAnnounce.announce.set()
        ruled = (await early.steps(2))[1]
        assert (ruled.step, ruled.level, ruled.actor) == (DisputeStep.RULED, 1, "wang")
