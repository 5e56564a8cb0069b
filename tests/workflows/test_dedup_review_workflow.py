"""The possible-duplicate review on Temporal's time-skipping server: decide, refuse bad decisions, escalate."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from referee_dedup.workflows.duplicate_review import DuplicateReviewWorkflow
from referee_dedup.workflows.models import ReviewDecision, ReviewInput
from referee_shared.events.tasks import TaskClosed, TaskDecision, TaskOpened


class Inbox:
    def __init__(self) -> None:
        self.opened: list[TaskOpened] = []
        self.closed: list[TaskClosed] = []
        self.applied: list[ReviewDecision] = []

    def activities(self) -> list[Callable[..., Any]]:
        @activity.defn(name="open_review_task")
        async def open_task(opened: TaskOpened) -> None:
            self.opened.append(opened)

        @activity.defn(name="close_review_task")
        async def close_task(closed: TaskClosed) -> None:
            self.closed.append(closed)

        @activity.defn(name="apply_review")
        async def apply_review(decision: ReviewDecision) -> str:
            self.applied.append(decision)
            return decision.choice

        return [open_task, close_task, apply_review]


def review() -> ReviewInput:
    lead = uuid.uuid4()
    return ReviewInput(
        task_id=f"dup-{lead}",
        lead_id=lead,
        kind="possible_duplicate",
        title="Possible duplicate: 滨江建设",
        choices=["duplicate", "distinct"],
        default_choice="duplicate",
        details={
            "lead_id": str(lead),
            "rule_set": "building-materials@1",
            "kind": "duplicate_review",
            "nearby_customer": "c-41",
            "distance_km": 12.5,
            "rule": "territory.cross_region_radius_km=30",
        },
        region="浙江",
        subject_party_ids=["agent-wang"],
        deadline_hours=48,
        escalation_hours=24,
    )


def decision(task_id: str, choice: str = "distinct", role: str = "reviewer") -> TaskDecision:
    return TaskDecision(task_id=task_id, choice=choice, reason="checked the licence", decided_by="li", role=role)


async def test_reviewer_decision_is_applied_and_the_task_closed(time_skipping: WorkflowEnvironment) -> None:
    inbox, task_queue, started = Inbox(), f"dedup-{uuid.uuid4()}", review()
    async with Worker(
        time_skipping.client, task_queue=task_queue, workflows=[DuplicateReviewWorkflow], activities=inbox.activities()
    ):
        handle = await time_skipping.client.start_workflow(
            DuplicateReviewWorkflow.run, started, id=f"wf-{started.task_id}", task_queue=task_queue
        )
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update("decide", decision(started.task_id, choice="maybe"))
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update("decide", decision(started.task_id, role="partner"))
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update("decide", decision("dup-someone-else"))
        assert await handle.execute_update("decide", decision(started.task_id)) == "distinct"
        assert await handle.result() == "distinct"

    [opened] = inbox.opened
    assert (opened.update_name, opened.role, opened.level) == ("decide", "reviewer", 1)
    assert [c.outcome for c in inbox.closed] == ["distinct"]
    assert [a.choice for a in inbox.applied] == ["distinct"]


async def test_undecided_review_escalates_to_hq_then_keeps_the_earlier_protection(
    time_skipping: WorkflowEnvironment,
) -> None:
    inbox, task_queue, started = Inbox(), f"dedup-{uuid.uuid4()}", review()
    async with Worker(
        time_skipping.client, task_queue=task_queue, workflows=[DuplicateReviewWorkflow], activities=inbox.activities()
    ):
        handle = await time_skipping.client.start_workflow(
            DuplicateReviewWorkflow.run, started, id=f"wf-{started.task_id}", task_queue=task_queue
        )
        assert await handle.result() == "duplicate"

    assert [(o.level, o.role) for o in inbox.opened] == [(1, "reviewer"), (2, "arbiter")]
    assert [c.outcome for c in inbox.closed] == ["escalated", "expired"]
    [applied] = inbox.applied
    assert (applied.choice, applied.decided_by) == ("duplicate", "deadline")
