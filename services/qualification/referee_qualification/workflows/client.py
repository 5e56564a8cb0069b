"""Starting and ending qualification's workflows on Temporal."""

from __future__ import annotations

from collections.abc import Callable

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.service import RPCError, RPCStatusCode

from referee_shared.temporal import start_once

from .models import ReviewInput, ValidityInput
from .review import QualificationReviewWorkflow
from .validity import CertificateValidityWorkflow


class TemporalReviews:
    def __init__(self, client: Callable[[], Client], task_queue: str) -> None:
        self._client = client
        self._task_queue = task_queue

    async def start_review(self, workflow_id: str, review: ReviewInput) -> None:
        # USE_EXISTING: a repeated start of a running review joins it. ALLOW_DUPLICATE: after a rejection
        # closed the review of a certificate, its resubmission is reviewed afresh under the same id.
        await self._client().start_workflow(
            QualificationReviewWorkflow.run,
            review,
            id=workflow_id,
            task_queue=self._task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        )

    async def start_validity(self, workflow_id: str, validity: ValidityInput) -> None:
        await start_once(
            self._client(),
            CertificateValidityWorkflow.run,
            validity,
            workflow_id=workflow_id,
            task_queue=self._task_queue,
        )

    async def end_validity(self, workflow_id: str, reason: str) -> None:
        handle = self._client().get_workflow_handle_for(CertificateValidityWorkflow.run, workflow_id)
        try:
            await handle.signal(CertificateValidityWorkflow.end, reason)
        except RPCError as exc:
            if exc.status is not RPCStatusCode.NOT_FOUND:
                raise
