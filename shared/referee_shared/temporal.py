"""Connecting to Temporal with the pydantic data converter, so workflows exchange the same models."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import WorkflowAlreadyStartedError

from .settings import ServiceSettings


async def connect_temporal(settings: ServiceSettings) -> Client:
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
    )


async def start_once(client: Client, run: Any, argument: Any, *, workflow_id: str, task_queue: str) -> None:
    """Start the workflow keyed by a business id exactly once: a start while it runs joins the running one
    (USE_EXISTING), and a start after it ended is a redelivered request with nothing left to do."""
    with suppress(WorkflowAlreadyStartedError):
        await client.start_workflow(
            run,
            argument,
            id=workflow_id,
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
