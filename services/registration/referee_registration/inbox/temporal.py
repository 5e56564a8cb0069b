"""Delivering inbox decisions to workflows as Temporal updates."""

from __future__ import annotations

from collections.abc import Callable

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from referee_shared.events.tasks import TaskDecision

from .usecases import TaskRefused


class TemporalTaskCompleter:
    def __init__(self, client: Callable[[], Client]) -> None:
        self._client = client

    async def complete(self, workflow_id: str, update_name: str, decision: TaskDecision) -> str:
        handle = self._client().get_workflow_handle(workflow_id)
        try:
            result = await handle.execute_update(update_name, decision, result_type=str)
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            raise TaskRefused(409, f"the workflow refused the decision: {getattr(cause, 'message', cause)}") from exc
        except RPCError as exc:
            if exc.status is RPCStatusCode.NOT_FOUND:
                raise TaskRefused(409, "the workflow behind this task has already finished") from exc
            raise
        return str(result)
