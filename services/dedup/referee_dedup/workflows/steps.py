"""What the review workflow's task activities publish: its task opened, escalated or closed in the shared
inbox, each once however often retried. Applying the decision is a review use case (``Dedup.apply_review``)."""

from __future__ import annotations

from referee_shared.events.tasks import TaskClosed, TaskOpened
from referee_shared.outbox import Transactions
from referee_shared.tasks import step_id
from referee_shared.tasks.inbox import publish

STEPS = "dedup"
"""Processed-events consumer name for the review workflow's task steps (dedup's own consumer name)."""


class ReviewSteps:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def open_task(self, opened: TaskOpened) -> None:
        """Publish a reviewer task (each level's first step); publishing it twice is harmless."""
        async with self._tx.begin() as tx:
            if await tx.first_time(STEPS, step_id("opened", opened.task_id, opened.level)):
                await publish(tx, opened)

    async def close_task(self, closed: TaskClosed) -> None:
        async with self._tx.begin() as tx:
            if await tx.first_time(STEPS, step_id("closed", closed.task_id, closed.outcome)):
                await publish(tx, closed)
