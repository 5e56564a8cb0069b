"""Starting review workflows on Temporal, keyed by lead so a repeated start finds the running one."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from .duplicate_review import DuplicateReviewWorkflow
from .models import ReviewInput


class TemporalReviewScheduler:
    def __init__(self, client: Callable[[], Client], task_queue: str) -> None:
        self._client = client
        self._task_queue = task_queue

    async def start_review(self, workflow_id: str, review: ReviewInput) -> None:
        with suppress(WorkflowAlreadyStartedError):
            await self._client().start_workflow(
                DuplicateReviewWorkflow.run,
                review,
                id=workflow_id,
                task_queue=self._task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
