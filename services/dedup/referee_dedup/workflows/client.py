"""Starting dedup's reviewer workflows on Temporal, keyed by business id so a repeated start finds the running one."""

from __future__ import annotations

from collections.abc import Callable

from temporalio.client import Client

from referee_shared.temporal import start_once

from .duplicate_review import DuplicateReviewWorkflow
from .models import ClashReviewInput, ReviewInput
from .visit_clash import VisitClashReviewWorkflow


class TemporalReviewScheduler:
    def __init__(self, client: Callable[[], Client], task_queue: str) -> None:
        self._client = client
        self._task_queue = task_queue

    async def start_review(self, workflow_id: str, review: ReviewInput) -> None:
        await start_once(
            self._client(), DuplicateReviewWorkflow.run, review, workflow_id=workflow_id, task_queue=self._task_queue
        )

    async def start_clash_review(self, workflow_id: str, review: ClashReviewInput) -> None:
        await start_once(
            self._client(), VisitClashReviewWorkflow.run, review, workflow_id=workflow_id, task_queue=self._task_queue
        )
