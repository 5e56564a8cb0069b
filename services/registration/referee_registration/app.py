"""Registration's composition root: wires runtime, use cases, handlers, workflows and routes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from referee_shared.clock import Clock
from referee_shared.http import build_http_app
from referee_shared.runtime import ServiceRuntime

from . import api
from .handlers import register_handlers
from .inbox import api as inbox_api
from .inbox.handlers import register_handlers as register_inbox_handlers
from .inbox.temporal import TemporalTaskCompleter
from .inbox.usecases import Inbox, TaskCompleter
from .ports import LockScheduler
from .settings import RegistrationSettings
from .store import messaging
from .usecases import Registration
from .workflows.activities import LockActivities
from .workflows.lead_lock import LeadLockWorkflow
from .workflows.scheduler import TemporalLockScheduler

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class Components:
    registration: Registration
    inbox: Inbox


def build_runtime(
    settings: RegistrationSettings,
    *,
    clock: Clock | None = None,
    broker: KafkaBroker | None = None,
    locks: LockScheduler | None = None,
    completer: TaskCompleter | None = None,
) -> tuple[ServiceRuntime, Components]:
    """Wire the service; tests may pass an in-memory broker and, without Temporal, stand-ins for it."""
    runtime = ServiceRuntime(
        settings, tables=messaging, migrations=MIGRATIONS, clock=clock, broker=broker, uses_temporal=locks is None
    )
    scheduler = locks or TemporalLockScheduler(lambda: runtime.temporal, settings.task_queue())
    registration = Registration(runtime.transactions, runtime.rules, scheduler, settings)
    inbox = Inbox(runtime.transactions, completer or TemporalTaskCompleter(lambda: runtime.temporal))
    register_handlers(runtime.consumer, registration, runtime.clock)
    register_inbox_handlers(runtime.consumer, inbox)
    runtime.run_worker([LeadLockWorkflow], [LockActivities(registration).end_lock])
    return runtime, Components(registration, inbox)


def build_app(runtime: ServiceRuntime, components: Components) -> FastAPI:
    return build_http_app(
        runtime,
        [api.build_router(runtime.transactions), inbox_api.build_router(components.inbox)],
        title="Referee registration",
        description="Intake of registrations, lead lifecycle, locks, the follow-up trail and the reviewers' inbox.",
    )


def create_app(settings: RegistrationSettings | None = None) -> FastAPI:
    return build_app(*build_runtime(settings or RegistrationSettings()))
