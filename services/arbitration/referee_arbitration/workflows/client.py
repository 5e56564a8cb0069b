"""The dispute workflows on Temporal: started per dispute, given rulings and appeals as updates."""

from __future__ import annotations

from collections.abc import Callable

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from referee_shared.events.tasks import TaskDecision
from referee_shared.tasks import DECIDE
from referee_shared.temporal import start_once

from ..ports import WorkflowRefused
from .dispute_escalation import DisputeEscalationWorkflow
from .models import APPEAL_UPDATE, AppealFiled, DisputeCase


class TemporalDisputeWorkflows:
    def __init__(self, client: Callable[[], Client], task_queue: str) -> None:
        self._client = client
        self._task_queue = task_queue

    async def start(self, workflow_id: str, case: DisputeCase) -> None:
        await start_once(
            self._client(), DisputeEscalationWorkflow.run, case, workflow_id=workflow_id, task_queue=self._task_queue
        )

    async def decide(self, workflow_id: str, decision: TaskDecision) -> str:
        return await self._update(workflow_id, DECIDE, decision)

    async def appeal(self, workflow_id: str, appeal: AppealFiled) -> str:
        return await self._update(workflow_id, APPEAL_UPDATE, appeal)

    async def _update(self, workflow_id: str, update: str, argument: object) -> str:
        handle = self._client().get_workflow_handle(workflow_id)
        try:
            return str(await handle.execute_update(update, argument, result_type=str))
        except WorkflowUpdateFailedError as exc:
            raise WorkflowRefused(str(getattr(exc.cause, "message", exc.cause))) from exc
        except RPCError as exc:
            if exc.status is RPCStatusCode.NOT_FOUND:
                raise WorkflowRefused("this dispute's proceedings have ended") from exc
            raise
