"""Tracing and the Temporal SDK's metrics on the real stack: one registration is one connected trace."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from referee_shared.auth import Role
from referee_shared.events.leads import DecisionOutcome
from referee_shared.topics import LEADS_DECISIONS

from ..builders import customer, submission
from ..stack import Stack, new_prefix


@pytest.fixture(scope="module")
def exporter() -> InMemorySpanExporter:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    trace.set_tracer_provider(provider)
    return spans


@pytest.fixture
async def traced_stack(infrastructure: None, exporter: InMemorySpanExporter) -> AsyncIterator[Stack]:
    stack = Stack(
        new_prefix("traced"), {"registration": 1, "dedup": 1, "qualification": 1}, overrides={"tracing": True}
    )
    await stack.start()
    yield stack
    await stack.stop()


async def test_one_registration_is_one_connected_trace_through_every_hop(
    traced_stack: Stack, exporter: InMemorySpanExporter
) -> None:
    lead = submission("dealer-hangzhou", who=customer(name="杭州追踪建材有限公司"))
    token = traced_stack.token(Role.PARTNER, partner_id="dealer-hangzhou")
    async with traced_stack.http("registration", token) as client:
        answer = await client.post(
            "/leads", content=lead.model_dump_json(), headers={"Content-Type": "application/json"}
        )
    assert answer.status_code == 202, answer.text
    [decision] = await traced_stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == lead.lead_id)
    assert decision.payload.outcome is DecisionOutcome.ACCEPTED

    [request] = [s for s in exporter.get_finished_spans() if s.name == "POST /leads" and s.parent is None]
    trace_id = request.context.trace_id
    spans = await _spans_settled(exporter, trace_id)
    names = {s.name for s in spans}

    for hop in (
        "leads.submitted",
        "dedup.requests",
        "dedup.verdicts",
        "qualification.checks",
        "qualification.verdicts",
    ):
        assert f"{hop} process" in names, sorted(names)
    assert any(s.attributes and s.attributes.get("db.system") for s in spans), "no database span"
    assert "StartWorkflow:LeadLock" in names, sorted(names)
    assert "RunWorkflow:LeadLock" in names, sorted(names)
    ids = {s.context.span_id for s in spans}
    orphans = [s.name for s in spans if s.parent is not None and s.parent.span_id not in ids]
    assert not orphans, f"spans whose parent is not in the trace: {orphans}"


async def _spans_settled(exporter: InMemorySpanExporter, trace_id: int) -> list[ReadableSpan]:
    """The trace's finished spans once no new ones arrived for a second (the lock workflow runs on)."""
    previous = -1
    for _ in range(30):
        spans = [s for s in exporter.get_finished_spans() if s.context.trace_id == trace_id]
        if len(spans) == previous:
            return spans
        previous = len(spans)
        await asyncio.sleep(1)
    return spans


async def test_the_temporal_sdk_serves_its_own_prometheus_metrics_when_asked(infrastructure: None) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    stack = Stack(
        new_prefix("sdkmetrics"), {"registration": 1}, overrides={"temporal_metrics_bind": f"127.0.0.1:{port}"}
    )
    await stack.start()
    try:
        await asyncio.sleep(2)  # the worker's pollers report on their first round
        async with httpx.AsyncClient() as scraper:
            scrape = await scraper.get(f"http://127.0.0.1:{port}/metrics")
    finally:
        await stack.stop()
    assert scrape.status_code == 200
    assert "temporal_" in scrape.text, scrape.text[:500]
