"""OpenTelemetry tracing, off by default: one registration is one trace across every service hop.

A message's trace context travels in its Kafka headers (W3C ``traceparent``), written when the event
is queued in the outbox and read when a consumer takes the record, so the hop through the outbox
table does not break the trace. HTTP, the database and Temporal (workflows and activities) are traced
by their upstream instrumentations.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.trace import Span, SpanKind

from ..settings import ServiceSettings

TRACER = trace.get_tracer("referee")


def tracing_enabled(settings: ServiceSettings) -> bool:
    return settings.tracing or bool(settings.otel_exporter_otlp_endpoint)


def configure_exporter(settings: ServiceSettings) -> None:
    """In a service process: send spans by OTLP/HTTP to the configured collector (nothing when unset)."""
    if not settings.otel_exporter_otlp_endpoint:
        return
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_INSTANCE_ID, SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create(
        {SERVICE_NAME: f"referee-{settings.service_name}", SERVICE_INSTANCE_ID: settings.instance_id}
    )
    provider = TracerProvider(resource=resource)
    endpoint = settings.otel_exporter_otlp_endpoint.rstrip("/") + "/v1/traces"
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    trace.set_tracer_provider(provider)


def instrument_engine(engine: Any) -> None:
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    # The instrumentation declares "sqlalchemy < 2.1"; the 2.1 core API it hooks (engine events) is unchanged.
    SQLAlchemyInstrumentor().instrument(engine=engine.sync_engine, skip_dep_check=True)


def instrument_httpx() -> None:
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    instrumentor = HTTPXClientInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument()


def instrument_fastapi(app: Any) -> None:
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, excluded_urls="health,metrics")


def temporal_interceptors() -> list[Any]:
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return [TracingInterceptor()]


def inject_context(headers: dict[str, str]) -> None:
    """Write the current trace context into an outgoing message's headers (nothing when not tracing)."""
    propagate.inject(headers)


@contextmanager
def consuming(topic: str, headers: Mapping[str, str], attributes: Mapping[str, Any]) -> Iterator[Span]:
    """A consumer span for one record, a child of the span that queued it."""
    parent = propagate.extract(dict(headers))
    with TRACER.start_as_current_span(
        f"{topic} process", context=parent, kind=SpanKind.CONSUMER, attributes=dict(attributes)
    ) as span:
        yield span
