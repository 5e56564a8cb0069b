"""Talking to lock workflows on Temporal: start, signal and update them, keyed by the lead that won the lock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime

from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from referee_shared.temporal import start_once

from ..ports import ExtensionRefused, LockNotActive, TransferRefused
from .lead_lock import LOCK_WORKFLOW_TYPE, LeadLockWorkflow
from .models import ExtensionRequest, ExtensionTicket, FollowUp, LockEnding, LockInput, TransferOrder

LIST_PAGE = 500


class TemporalLockScheduler:
    def __init__(self, client: Callable[[], Client], task_queue: str) -> None:
        self._client = client
        self._task_queue = task_queue

    async def start_lock(self, workflow_id: str, lock: LockInput) -> None:
        await start_once(
            self._client(), LeadLockWorkflow.run, lock, workflow_id=workflow_id, task_queue=self._task_queue
        )

    async def end_lock(self, workflow_id: str, ending: LockEnding) -> None:
        with suppress(LockNotActive), _finished_means_not_active():
            await self._handle(workflow_id).signal(LeadLockWorkflow.end, ending)

    async def follow_up(self, workflow_id: str, follow_up: FollowUp) -> None:
        with suppress(LockNotActive), _finished_means_not_active():
            await self._handle(workflow_id).signal(LeadLockWorkflow.follow_up, follow_up)

    async def request_extension(self, workflow_id: str, request: ExtensionRequest) -> ExtensionTicket:
        with _finished_means_not_active():
            try:
                return await self._handle(workflow_id).execute_update(LeadLockWorkflow.request_extension, request)
            except WorkflowUpdateFailedError as exc:
                raise ExtensionRefused(_message(exc)) from exc

    async def transfer(self, workflow_id: str, order: TransferOrder) -> str:
        with _finished_means_not_active():
            try:
                return await self._handle(workflow_id).execute_update(
                    LeadLockWorkflow.transfer, order, id=f"transfer-{order.dispute_id}"
                )
            except WorkflowUpdateFailedError as exc:
                raise TransferRefused(_message(exc)) from exc

    def _handle(self, workflow_id: str) -> WorkflowHandle[LeadLockWorkflow, str]:
        return self._client().get_workflow_handle_for(LeadLockWorkflow.run, workflow_id)


class TemporalRunningLocks:
    """Temporal's list of this install's running lock workflows (ids under ``id_prefix``)."""

    def __init__(self, client: Callable[[], Client], id_prefix: str) -> None:
        self._client = client
        self._prefix = id_prefix

    async def started_before(self, moment: datetime) -> AsyncIterator[str]:
        started = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        query = (
            f"WorkflowType = '{LOCK_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' "
            f"AND WorkflowId STARTS_WITH '{self._prefix}' AND StartTime < '{started}'"
        )
        async for execution in self._client().list_workflows(query, page_size=LIST_PAGE):
            yield execution.id


@contextmanager
def _finished_means_not_active() -> Iterator[None]:
    try:
        yield
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:
            raise LockNotActive(f"the lock's workflow has finished: {exc.message}") from exc
        raise


def _message(error: WorkflowUpdateFailedError) -> str:
    cause = error.cause
    return cause.message if isinstance(cause, ApplicationError) else str(cause)
