"""The inbox against the real Kafka and Temporal: a workflow opens a task, a reviewer decides it over HTTP,
and the decision reaches the workflow as its `decide` update (whose validator may refuse it)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
from aiokafka import AIOKafkaProducer
from temporalio import activity, workflow
from temporalio.exceptions import ApplicationError
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from referee_shared.auth import Role
from referee_shared.events.envelope import envelope_json
from referee_shared.events.tasks import TaskDecision, TaskKind, TaskOpened
from referee_shared.topics import TASKS_EVENTS
from referee_shared.trust.local import signed_as_producer

from ..builders import envelope
from ..stack import KAFKA, Stack, kafka_client


@workflow.defn(sandboxed=False)
class ProbeReviewWorkflow:
    """The smallest workflow following the inbox contract: open a task, wait for `decide`."""

    def __init__(self) -> None:
        self._decision: TaskDecision | None = None
        self._task_id = ""

    @workflow.run
    async def run(self, task: TaskOpened) -> str:
        self._task_id = task.task_id
        await workflow.execute_activity(open_task, task, start_to_close_timeout=timedelta(seconds=30))
        await workflow.wait_condition(lambda: self._decision is not None)
        assert self._decision is not None
        return f"{self._decision.choice} by {self._decision.decided_by}: {self._decision.reason}"

    @workflow.update
    async def decide(self, decision: TaskDecision) -> str:
        self._decision = decision
        return "recorded"

    @decide.validator
    def _only_reasoned_approvals_for_this_task(self, decision: TaskDecision) -> None:
        if decision.task_id != self._task_id:
            raise ApplicationError(f"this workflow has no task {decision.task_id}")
        if decision.choice == "deny" and len(decision.reason) < 10:
            raise ApplicationError("a denial needs a reason of at least 10 characters")


TOPIC: list[str] = []
TRUST: list[Path] = []


@activity.defn
async def open_task(task: TaskOpened) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=KAFKA, **kafka_client())
    await producer.start()
    try:
        signed = signed_as_producer(TRUST[0], envelope(task, producer="dedup"))  # plays a service that opens tasks
        await producer.send_and_wait(TOPIC[0], envelope_json(signed), key=task.task_id.encode())
    finally:
        await producer.stop()


async def test_reviewer_decides_a_workflow_task_through_the_inbox(stack: Stack) -> None:
    assert stack.temporal is not None
    TOPIC[:] = [stack.topic(TASKS_EVENTS)]
    TRUST[:] = [stack.trust_dir]
    task_queue = f"{stack.prefix}probe"
    workflow_id = f"{stack.prefix}probe-{uuid.uuid4()}"
    task_id = f"probe-{uuid.uuid4()}"
    task = TaskOpened(
        task_id=task_id,
        kind=TaskKind.LOCK_EXTENSION,
        title="Extend?",
        role="reviewer",
        workflow_id=workflow_id,
        update_name="decide",
        choices=["approve", "deny"],
        region="浙江/杭州",
        opened_at=stack.runtimes["registration"][0].clock.now(),
    )
    async with Worker(
        stack.temporal,
        task_queue=task_queue,
        workflows=[ProbeReviewWorkflow],
        activities=[open_task],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        handle = await stack.temporal.start_workflow(
            ProbeReviewWorkflow.run, task, id=workflow_id, task_queue=task_queue
        )
        async with stack.http("registration", stack.token(Role.REVIEWER, "wang", regions=["浙江"])) as reviewer:
            await stack.events(TASKS_EVENTS, lambda e: e.payload.task_id == task_id)
            listed = await _wait_until_listed(reviewer, task_id)
            assert listed["choices"] == ["approve", "deny"]

            refused = await reviewer.post(f"/inbox/{task_id}/decision", json={"choice": "deny", "reason": "no"})
            assert refused.status_code == 409
            assert "at least 10 characters" in refused.json()["detail"]

            accepted = await reviewer.post(
                f"/inbox/{task_id}/decision", json={"choice": "approve", "reason": "three visits on record"}
            )
            assert accepted.status_code == 200, accepted.text
            assert accepted.json()["result"] == "recorded"

        assert await handle.result() == "approve by wang: three visits on record"


async def _wait_until_listed(client: httpx.AsyncClient, task_id: str) -> dict[str, object]:
    """The inbox learns of the task from tasks.events, a moment after the event was published."""
    for _ in range(100):
        tasks = (await client.get("/inbox")).json()
        found = [t for t in tasks if t["task_id"] == task_id]
        if found:
            return dict(found[0])
        await asyncio.sleep(0.1)
    raise AssertionError(f"task {task_id} never reached the inbox")
