"""Starting lock workflows on Temporal, keyed by lead so a repeated start finds the running one."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from .lead_lock import LeadLockWorkflow
from .models import LockInput


class TemporalLockScheduler:
    def __init__(self, client: Callable[[], Client], task_queue: str) -> None:
        self._client = client
        self._task_queue = task_queue

    async def start_lock(self, workflow_id: str, lock: LockInput) -> None:
        # A workflow that ran and ended already makes this start a redelivery: nothing to do.
        with suppress(WorkflowAlreadyStartedError):
            await self._client().start_workflow(
                LeadLockWorkflow.run,
                lock,
                id=workflow_id,
                task_queue=self._task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
