"""Reaching a deal's settlement workflow on Temporal: signal-with-start, keyed by the deal."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from referee_shared.settings import ServiceSettings

from .models import SETTLEMENT_WORKFLOW_KIND, DealReversal, DealRevised, SettlementStart
from .settlement import SettlementWorkflow


class TemporalSettlementWorkflows:
    def __init__(self, client: Callable[[], Client], settings: ServiceSettings) -> None:
        self._client = client
        self._settings = settings

    def workflow_id(self, deal_id: str) -> str:
        return self._settings.workflow_id(SETTLEMENT_WORKFLOW_KIND, deal_id)

    async def revise(self, deal_id: str, revision: int, reason: str) -> str:
        return await self._signal_with_start(deal_id, revision, "revise", DealRevised(revision=revision, reason=reason))

    async def reverse(self, deal_id: str, revision: int, kind: str, reason: str) -> None:
        await self._signal_with_start(deal_id, revision, "reverse", DealReversal(kind=kind, reason=reason))

    async def _signal_with_start(self, deal_id: str, revision: int, signal: str, argument: object) -> str:
        workflow_id = self.workflow_id(deal_id)
        # A deal's workflow ends only once the deal is reversed; a late signal to it has nothing to change.
        with suppress(WorkflowAlreadyStartedError):
            await self._client().start_workflow(
                SettlementWorkflow.run,
                SettlementStart(deal_id=deal_id, revision=revision),
                id=workflow_id,
                task_queue=self._settings.task_queue(),
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                start_signal=signal,
                start_signal_args=[argument],
            )
        return workflow_id
