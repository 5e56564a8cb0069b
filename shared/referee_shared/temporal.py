"""Connecting to Temporal with the pydantic data converter, so workflows exchange the same models."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from temporalio import client as temporal_client
from temporalio.client import Client, TLSConfig
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from .calls import no_transaction_open
from .observability.tracing import temporal_interceptors, tracing_enabled
from .settings import ServiceSettings


async def connect_temporal(settings: ServiceSettings) -> Client:
    """A client with the pydantic converter; TLS, API key, SDK metrics and tracing as the settings say."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
        tls=temporal_tls(settings),
        api_key=settings.temporal_api_key or None,
        runtime=_sdk_runtime(settings.temporal_metrics_bind),
        interceptors=[NoTransactionAcrossCalls(), *(temporal_interceptors() if tracing_enabled(settings) else [])],
    )


class NoTransactionAcrossCalls(temporal_client.Interceptor):
    """Refuses (``CallInsideTransaction``) a start, signal, update, cancel or termination awaited while the
    calling task holds a database transaction (``calls.py``)."""

    def intercept_client(self, next: temporal_client.OutboundInterceptor) -> temporal_client.OutboundInterceptor:
        return _Guarded(next)


class _Guarded(temporal_client.OutboundInterceptor):
    async def start_workflow(self, input: temporal_client.StartWorkflowInput) -> Any:
        no_transaction_open(f"Temporal start of {input.id}")
        return await super().start_workflow(input)

    async def signal_workflow(self, input: temporal_client.SignalWorkflowInput) -> None:
        no_transaction_open(f"Temporal signal {input.signal} to {input.id}")
        await super().signal_workflow(input)

    async def start_workflow_update(self, input: temporal_client.StartWorkflowUpdateInput) -> Any:
        no_transaction_open(f"Temporal update {input.update} of {input.id}")
        return await super().start_workflow_update(input)

    async def start_update_with_start_workflow(self, input: temporal_client.StartWorkflowUpdateWithStartInput) -> Any:
        no_transaction_open("Temporal update-with-start")
        return await super().start_update_with_start_workflow(input)

    async def cancel_workflow(self, input: temporal_client.CancelWorkflowInput) -> None:
        no_transaction_open(f"Temporal cancellation of {input.id}")
        await super().cancel_workflow(input)

    async def terminate_workflow(self, input: temporal_client.TerminateWorkflowInput) -> None:
        no_transaction_open(f"Temporal termination of {input.id}")
        await super().terminate_workflow(input)


def temporal_tls(settings: ServiceSettings) -> TLSConfig | bool:
    """mTLS with a client certificate, plain TLS when asked or with an API key (Temporal Cloud), else none."""
    cert, key = settings.temporal_tls_client_cert, settings.temporal_tls_client_key
    if cert and key:
        return TLSConfig(client_cert=cert.read_bytes(), client_private_key=key.read_bytes())
    return settings.temporal_tls or bool(settings.temporal_api_key)


_runtimes: dict[str, Runtime] = {}


def _sdk_runtime(metrics_bind: str) -> Runtime | None:
    """The SDK runtime serving Prometheus metrics at ``metrics_bind`` (one per address and process)."""
    if not metrics_bind:
        return None
    if metrics_bind not in _runtimes:
        telemetry = TelemetryConfig(metrics=PrometheusConfig(bind_address=metrics_bind))
        _runtimes[metrics_bind] = Runtime(telemetry=telemetry)
    return _runtimes[metrics_bind]


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
