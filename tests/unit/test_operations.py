"""What a platform engineer relies on: probes that tell liveness from readiness, metrics, correlated logs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
from prometheus_client import REGISTRY
from temporalio.client import TLSConfig

from referee_registration.app import build_app, build_runtime
from referee_registration.settings import RegistrationSettings
from referee_shared.auth import Role, issue_token
from referee_shared.observability.metrics import reason_code
from referee_shared.temporal import temporal_tls
from referee_shared.topics import LEADS_DECISIONS, LEADS_SUBMITTED

from ..builders import USCC_HANGZHOU_BUILDER, customer, envelope, submission
from .conftest import InMemorySystem


def registration_http(system: InMemorySystem) -> httpx.AsyncClient:
    app = build_app(system.runtimes["registration"], system.components["registration"])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://registration")


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_liveness_holds_during_a_broker_outage_while_readiness_names_the_failing_dependency(
    tmp_path: Path,
) -> None:
    settings = RegistrationSettings(data_dir=tmp_path, kafka_bootstrap="127.0.0.1:1")
    runtime, use_cases = build_runtime(settings, locks=object(), completer=object())  # type: ignore[arg-type]
    await runtime.migrate()
    app = build_app(runtime, use_cases)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://registration") as client:
        live = await client.get("/health/live")
        ready = await client.get("/health/ready")
    await runtime.engine.dispose()

    assert live.status_code == 200
    assert live.json()["status"] == "alive"
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"] == "ok"
    assert ready.json()["checks"]["kafka"].startswith("failing")


async def test_an_instance_left_to_a_migration_job_is_not_ready_until_the_job_has_run(tmp_path: Path) -> None:
    settings = RegistrationSettings(data_dir=tmp_path, migrate_on_start=False)
    runtime, _ = build_runtime(settings, locks=object(), completer=object())  # type: ignore[arg-type]

    before = (await runtime.health())["migrations"]
    await runtime.migrate()
    after = (await runtime.health())["migrations"]
    await runtime.engine.dispose()

    assert before.startswith("failing: database at no revision")
    assert "run the migration job" in before
    assert after == "ok"


async def test_metrics_count_handled_and_dead_lettered_messages_and_show_decisions_and_open_locks(
    system: InMemorySystem,
) -> None:
    handled_before = metric(
        "referee_messages_total", service="registration", topic="leads.submitted", outcome="handled"
    )
    dead_before = metric(
        "referee_dead_letters_total", service="registration", topic="leads.submitted", reason="not_json"
    )
    lead = submission("dealer-hangzhou", who=customer(uscc=USCC_HANGZHOU_BUILDER))
    await system.publish(LEADS_SUBMITTED, envelope(lead), key=str(lead.lead_id))
    await system.publish_raw(LEADS_SUBMITTED, b"{not json", key="poison")
    await system.runtimes["registration"].sample_gauges_now()

    async with registration_http(system) as client:
        scrape = await client.get("/metrics")

    assert scrape.status_code == 200
    [decision] = system.events(LEADS_DECISIONS)
    assert metric("referee_lead_decisions", outcome="accepted", reason=decision.payload.reason_code) == 1
    assert metric("referee_open_locks") == 1
    assert (
        metric("referee_messages_total", service="registration", topic="leads.submitted", outcome="handled")
        == handled_before + 2
    )
    assert (
        metric("referee_dead_letters_total", service="registration", topic="leads.submitted", reason="not_json")
        == dead_before + 1
    )
    text = scrape.text
    for name in (
        "referee_handler_seconds_bucket",
        "referee_events_published_total",
        "referee_lead_decisions",
        "referee_open_locks",
        "referee_open_tasks",
    ):
        assert name in text, name


async def test_http_metrics_and_a_callers_correlation_id_reach_the_response_and_the_decision(
    system: InMemorySystem,
) -> None:
    lead = submission("dealer-hangzhou", who=customer(uscc=USCC_HANGZHOU_BUILDER))
    token = issue_token(
        system.runtimes["registration"].settings.auth_secret,
        subject="portal",
        role=Role.PARTNER,
        partner_id="dealer-hangzhou",
        now=datetime.now(UTC),
    )
    async with registration_http(system) as client:
        answer = await client.post(
            "/leads",
            content=lead.model_dump_json(),
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "X-Correlation-ID": "portal-req-42",
            },
        )
        await system.settle()
        scrape = await client.get("/metrics")

    assert answer.status_code == 202, answer.text
    assert answer.headers["x-correlation-id"] == "portal-req-42"
    [decision] = system.events(LEADS_DECISIONS)
    assert decision.correlation_id == "portal-req-42"
    assert 'referee_http_requests_total{handler="/leads",method="POST",status="202"}' in scrape.text


async def test_a_request_without_correlation_id_gets_one_and_an_absurd_one_is_replaced(system: InMemorySystem) -> None:
    async with registration_http(system) as client:
        plain = await client.get("/health/live")
        absurd = await client.get("/health/live", headers={"X-Correlation-ID": "x" * 500})

    assert len(plain.headers["x-correlation-id"]) == 36
    assert absurd.headers["x-correlation-id"] != "x" * 500


def test_dead_letter_reasons_become_short_bounded_labels() -> None:
    assert reason_code("not JSON: Expecting value: line 1 column 1") == "not_json"
    assert reason_code("unknown event type 'x' on leads.submitted") == "unknown_event_type"
    assert reason_code("failed 5 times: OperationalError()") == "failed"
    assert reason_code("unknown_lead") == "unknown_lead"
    assert reason_code("42") == "other"
    assert len(reason_code("a" * 300)) == 40


def test_temporal_connection_uses_tls_for_an_api_key_and_mtls_for_a_client_certificate(tmp_path: Path) -> None:
    cert, key = tmp_path / "client.pem", tmp_path / "client.key"
    cert.write_bytes(b"-----BEGIN CERTIFICATE-----\n")
    key.write_bytes(b"-----BEGIN PRIVATE KEY-----\n")

    assert temporal_tls(RegistrationSettings()) is False
    assert temporal_tls(RegistrationSettings(temporal_api_key="cloud-key")) is True
    assert temporal_tls(RegistrationSettings(temporal_tls=True)) is True
    mtls = temporal_tls(RegistrationSettings(temporal_tls_client_cert=cert, temporal_tls_client_key=key))
    assert isinstance(mtls, TLSConfig)
    assert mtls.client_cert == cert.read_bytes()
    assert mtls.client_private_key == key.read_bytes()
