"""The workflow side of the shared task protocol: a decision within the deadline is returned, none by the
deadline times out, a reminder runs before the deadline, and a decision out of place is refused."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from pydantic import BaseModel
from temporalio import workflow
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from referee_shared.events.tasks import TaskDecision
from referee_shared.tasks import ADMIN, OpenTask
from referee_shared.tasks.desk import TaskDesk, remind_before

HOURS = 24


class Verdict(BaseModel):
    choice: str | None
    reminded: bool


@workflow.defn(sandboxed=False)
class SampleTaskWorkflow:
    """A sixth kind of task, as small as the protocol lets it be."""

    def __init__(self) -> None:
        self._desk = TaskDesk("sample")
        self._reminded = False

    @workflow.run
    async def run(self, task_id: str) -> Verdict:
        due = workflow.now() + timedelta(hours=HOURS)
        self._desk.open(OpenTask(task_id, ("approve", "reject"), ("reviewer", ADMIN), due_at=due))

        async def remind() -> None:
            self._reminded = True

        await remind_before(lambda: self._desk.decided, due, due - timedelta(hours=4), remind)
        _, decision = self._desk.take()
        return Verdict(choice=decision.choice if decision else None, reminded=self._reminded)

    @workflow.update
    async def decide(self, decision: TaskDecision) -> str:
        self._desk.accept(decision)
        return decision.choice

    @decide.validator
    def _admissible(self, decision: TaskDecision) -> None:
        self._desk.check(decision)


def decision(task_id: str, choice: str = "approve", role: str = "reviewer") -> TaskDecision:
    return TaskDecision(task_id=task_id, choice=choice, reason="checked", decided_by="reviewer-li", role=role)


async def start(env: WorkflowEnvironment, queue: str, task_id: str) -> WorkflowHandle[SampleTaskWorkflow, Verdict]:
    return await env.client.start_workflow(
        SampleTaskWorkflow.run, task_id, id=f"sample-{uuid.uuid4()}", task_queue=queue
    )


@pytest.fixture
async def queue(time_skipping: WorkflowEnvironment) -> AsyncIterator[str]:
    name = f"sample-{uuid.uuid4().hex[:8]}"
    async with Worker(time_skipping.client, task_queue=name, workflows=[SampleTaskWorkflow]):
        yield name


async def test_a_decision_within_the_deadline_is_what_the_wait_returns(
    time_skipping: WorkflowEnvironment, queue: str
) -> None:
    handle = await start(time_skipping, queue, "sample-1")
    await time_skipping.sleep(timedelta(hours=2))
    assert await handle.execute_update(SampleTaskWorkflow.decide, decision("sample-1", "reject")) == "reject"
    assert await handle.result() == Verdict(choice="reject", reminded=False)


async def test_no_decision_by_the_deadline_times_out_after_a_reminder(
    time_skipping: WorkflowEnvironment, queue: str
) -> None:
    handle = await start(time_skipping, queue, "sample-2")
    assert await handle.result() == Verdict(choice=None, reminded=True)


async def test_decisions_out_of_place_are_refused_and_the_task_stays_open(
    time_skipping: WorkflowEnvironment, queue: str
) -> None:
    handle = await start(time_skipping, queue, "sample-3")
    refusals = []
    for wrong in (decision("sample-0"), decision("sample-3", "maybe"), decision("sample-3", role="partner")):
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(SampleTaskWorkflow.decide, wrong)
        refusals.append(str(refused.value.cause))
    assert "task sample-0 is not open on this sample" in refusals[0]
    assert "choice 'maybe' is not offered; choose one of approve, reject" in refusals[1]
    assert "role 'partner' may not decide this task; it needs reviewer" in refusals[2]
    await handle.execute_update(SampleTaskWorkflow.decide, decision("sample-3", role=ADMIN))
    assert await handle.result() == Verdict(choice="approve", reminded=False)
