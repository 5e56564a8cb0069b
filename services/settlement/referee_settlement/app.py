"""Settlement's composition root: wires runtime, use cases, handlers, the workflow and routes."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from referee_shared.clock import Clock
from referee_shared.http import build_http_app
from referee_shared.runtime import ServiceRuntime

from . import api
from .handlers import register_handlers
from .metrics import GAUGES
from .ports import SettlementWorkflows
from .settings import SettlementSettings
from .store import messaging
from .usecases import LeadHolders, Settlement
from .usecases.trusted import TrustedRecords
from .views.reports import Reports
from .workflows.activities import SettlementActivities
from .workflows.client import TemporalSettlementWorkflows
from .workflows.settlement import SettlementWorkflow
from .workflows.steps import Statements

MIGRATIONS = Path(__file__).parent / "migrations"


def build_runtime(
    settings: SettlementSettings,
    *,
    clock: Clock | None = None,
    broker: KafkaBroker | None = None,
    workflows: SettlementWorkflows | None = None,
) -> tuple[ServiceRuntime, Settlement]:
    """Wire the service; tests may pass an in-memory broker and, without Temporal, a workflows stand-in."""
    runtime = ServiceRuntime(
        settings, tables=messaging, migrations=MIGRATIONS, clock=clock, broker=broker, uses_temporal=workflows is None
    )
    settlement = Settlement(
        runtime.transactions,
        runtime.rules,
        workflows or TemporalSettlementWorkflows(lambda: runtime.temporal, settings),
        cross_checks=settings.cross_checks,
    )
    holders, trusted = LeadHolders(runtime.transactions), TrustedRecords(runtime.transactions)
    register_handlers(runtime.consumer, settlement, holders, trusted)
    steps = Statements(runtime.transactions, runtime.rules, settings)
    runtime.run_worker([SettlementWorkflow], SettlementActivities(steps).all())
    runtime.sample_gauges(GAUGES)
    return runtime, settlement


def build_reports(runtime: ServiceRuntime, settings: SettlementSettings) -> Reports:
    return Reports(runtime.sessions, ZoneInfo(settings.finance_timezone))


def create_app(settings: SettlementSettings | None = None) -> FastAPI:
    settings = settings or SettlementSettings()
    runtime, _ = build_runtime(settings)
    return build_http_app(
        runtime,
        [api.build_router(build_reports(runtime, settings))],
        title="Referee settlement",
        description="Split rules, statements for finance, reversals, payment status and reconciliation.",
    )
