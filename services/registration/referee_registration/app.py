"""Registration's composition root: wires runtime, use cases, handlers, workflows and routes."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from referee_shared.clock import Clock
from referee_shared.http import build_http_app
from referee_shared.runtime import ServiceRuntime

from . import api
from .handlers import register_handlers
from .ports import LockScheduler
from .settings import RegistrationSettings
from .store import messaging
from .usecases import Registration
from .workflows.activities import LockActivities
from .workflows.lead_lock import LeadLockWorkflow
from .workflows.scheduler import TemporalLockScheduler

MIGRATIONS = Path(__file__).parent / "migrations"


def build_runtime(
    settings: RegistrationSettings,
    *,
    clock: Clock | None = None,
    broker: KafkaBroker | None = None,
    locks: LockScheduler | None = None,
) -> tuple[ServiceRuntime, Registration]:
    """Wire the service; tests may pass an in-memory broker and, without Temporal, a lock scheduler."""
    runtime = ServiceRuntime(
        settings, tables=messaging, migrations=MIGRATIONS, clock=clock, broker=broker, uses_temporal=locks is None
    )
    scheduler = locks or TemporalLockScheduler(lambda: runtime.temporal, settings.task_queue())
    registration = Registration(runtime.transactions, runtime.rules, scheduler, settings)
    register_handlers(runtime.consumer, registration, runtime.clock)
    runtime.run_worker([LeadLockWorkflow], [LockActivities(registration).end_lock])
    return runtime, registration


def create_app(settings: RegistrationSettings | None = None) -> FastAPI:
    settings = settings or RegistrationSettings()
    runtime, _ = build_runtime(settings)
    return build_http_app(
        runtime,
        [api.build_router(runtime.transactions)],
        title="Referee registration",
        description="Intake of registrations, lead lifecycle, locks and the follow-up trail.",
    )
