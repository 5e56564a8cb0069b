"""Arbitration's composition root: wires runtime, evidence sources, use cases, handlers, workflow and routes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from referee_shared.clock import Clock
from referee_shared.http import build_http_app
from referee_shared.runtime import ServiceRuntime

from . import api
from .adapters.http import HttpEvidenceSource, HttpVerdictSource, ServiceCaller
from .handlers import register_handlers
from .metrics import GAUGES
from .ports import DisputeWorkflows, EvidenceSource, VerdictSource
from .settings import ArbitrationSettings
from .store import messaging
from .usecases.anchors import Anchors
from .usecases.casefiles import CaseFiles
from .usecases.gathering import EvidenceGatherer
from .usecases.opening import Opening
from .usecases.participation import Participation
from .usecases.registrations import Registrations
from .workflows.activities import DisputeActivities
from .workflows.client import TemporalDisputeWorkflows
from .workflows.dispute_escalation import DisputeEscalationWorkflow
from .workflows.steps import WorkflowSteps

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class Components:
    opening: Opening
    participation: Participation
    case_files: CaseFiles
    registrations: Registrations
    steps: WorkflowSteps


def build_runtime(
    settings: ArbitrationSettings,
    *,
    clock: Clock | None = None,
    broker: KafkaBroker | None = None,
    evidence: EvidenceSource | None = None,
    verdicts: VerdictSource | None = None,
    workflows: DisputeWorkflows | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> tuple[ServiceRuntime, Components]:
    """Wire the service; tests may pass an in-memory broker and stand-ins for registration, dedup and Temporal."""
    runtime = ServiceRuntime(
        settings, tables=messaging, migrations=MIGRATIONS, clock=clock, broker=broker, uses_temporal=workflows is None
    )

    def caller(base_url: str) -> ServiceCaller:
        return ServiceCaller(
            base_url,
            secret=settings.auth_secret,
            clock=runtime.clock,
            timeout=settings.http_timeout_seconds,
            transport=transport,
        )

    anchors = Anchors(runtime.transactions)
    gatherer = EvidenceGatherer(
        evidence or HttpEvidenceSource(caller(settings.registration_url)),
        verdicts or HttpVerdictSource(caller(settings.dedup_url)),
        anchors,
    )
    proceedings = workflows or TemporalDisputeWorkflows(lambda: runtime.temporal, settings.task_queue())
    components = Components(
        opening=Opening(runtime.transactions, runtime.rules, gatherer, proceedings, settings),
        participation=Participation(runtime.transactions, proceedings, runtime.rules),
        case_files=CaseFiles(runtime.transactions),
        registrations=Registrations(runtime.transactions),
        steps=WorkflowSteps(runtime.transactions, gatherer),
    )
    register_handlers(runtime.consumer, components.opening, components.registrations, anchors)
    runtime.run_worker([DisputeEscalationWorkflow], DisputeActivities(components.steps).all())
    runtime.sample_gauges(GAUGES)
    return runtime, components


def build_app(runtime: ServiceRuntime, components: Components) -> FastAPI:
    return build_http_app(
        runtime,
        [api.build_router(components.opening, components.participation, components.case_files)],
        title="Referee arbitration",
        description="Disputes decided from the evidence chain: case files, escalation, rulings and figures.",
    )


def create_app(settings: ArbitrationSettings | None = None) -> FastAPI:
    return build_app(*build_runtime(settings or ArbitrationSettings()))
