"""A clashing visit that happened anyway, on Temporal's time-skipping server: the reviewer task in the shared
inbox, a reviewer's answer, and the task closing as expired when nobody answers before the rule's deadline."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from referee_dedup.workflows.models import ClashReviewInput
from referee_dedup.workflows.visit_clash import VisitClashReviewWorkflow
from referee_shared.events.tasks import TaskClosed, TaskDecision, TaskKind, TaskOpened


class Inbox:
    def __init__(self) -> None:
        self.opened: list[TaskOpened] = []
        self.closed: list[TaskClosed] = []

    def activities(self) -> list[Callable[..., Any]]:
        @activity.defn(name="open_review_task")
        async def open_task(opened: TaskOpened) -> None:
            self.opened.append(opened)

        @activity.defn(name="close_review_task")
        async def close_task(closed: TaskClosed) -> None:
            self.closed.append(closed)

        return [open_task, close_task]


def clash() -> ClashReviewInput:
    return ClashReviewInput(
        task_id=f"clash-{uuid.uuid4()}",
        title="浙江省人民医院: 设备科 李科长 被多家伙伴在 7 天内重复拜访",
        details={
            "customer_key": "c-zj-people",
            "contact": "设备科 李科长",
            "visit_on": "2026-03-02",
            "partner_id": "agent-ortho",
            "other_visits": ["v-1"],
            "partners": ["agent-cardio", "agent-ortho"],
            "rule": "medical-devices@1 board.visit_clash_days=7",
        },
        region="浙江/杭州",
        subject_party_ids=["agent-cardio", "agent-ortho"],
        deadline_hours=72,
    )


async def test_a_reviewer_notes_the_clash_and_the_task_closes(time_skipping: WorkflowEnvironment) -> None:
    inbox, queue, review = Inbox(), f"dedup-{uuid.uuid4()}", clash()
    async with Worker(
        time_skipping.client, task_queue=queue, workflows=[VisitClashReviewWorkflow], activities=inbox.activities()
    ):
        handle = await time_skipping.client.start_workflow(
            VisitClashReviewWorkflow.run, review, id=f"visit-clash-{review.task_id}", task_queue=queue
        )
        bad = TaskDecision(task_id=review.task_id, choice="transfer", reason="x", decided_by="liu", role="reviewer")
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update("decide", bad)
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update("decide", bad.model_copy(update={"choice": "warn", "role": "partner"}))
        good = bad.model_copy(update={"choice": "warn", "reason": "两家代理商同日拜访设备科，已提醒"})
        assert await handle.execute_update("decide", good) == "warn"
        assert await handle.result() == "warn"
    [opened] = inbox.opened
    assert opened.kind is TaskKind.VISIT_CLASH
    assert opened.choices == ["noted", "warn"]
    assert opened.region == "浙江/杭州"
    [closed] = inbox.closed
    assert (closed.outcome, closed.decided_by) == ("warn", "liu")


async def test_an_unanswered_clash_closes_as_expired_at_the_rules_deadline(time_skipping: WorkflowEnvironment) -> None:
    inbox, queue, review = Inbox(), f"dedup-{uuid.uuid4()}", clash()
    async with Worker(
        time_skipping.client, task_queue=queue, workflows=[VisitClashReviewWorkflow], activities=inbox.activities()
    ):
        started = await time_skipping.get_current_time()
        outcome = await time_skipping.client.execute_workflow(
            VisitClashReviewWorkflow.run, review, id=f"visit-clash-{review.task_id}", task_queue=queue
        )
        elapsed = await time_skipping.get_current_time() - started
    assert outcome == "expired"
    assert elapsed >= timedelta(hours=72)
    [closed] = inbox.closed
    assert closed.outcome == "expired"
    assert inbox.opened[0].due_at is not None
