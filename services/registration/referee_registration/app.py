"""Registration's composition root: wires runtime, use cases, handlers, workflows and routes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from referee_shared.clock import Clock
from referee_shared.http import build_http_app
from referee_shared.runtime import ServiceRuntime

from .api import evidence, funnel, leads
from .disputes.handlers import register_handlers as register_dispute_handlers
from .disputes.usecases import DisputesHeard
from .figures import api as figures_api
from .figures.fold import FigureFold
from .figures.handlers import register_handlers as register_figure_handlers
from .figures.report import OutcomeFigures
from .handlers import register_handlers
from .inbox import api as inbox_api
from .inbox.handlers import register_handlers as register_inbox_handlers
from .inbox.temporal import TemporalTaskCompleter
from .inbox.usecases import Inbox, TaskCompleter
from .metrics import GAUGES
from .partners import api as partners_api
from .partners.usecases import PartnerDirectory
from .ports import LockScheduler
from .settings import RegistrationSettings
from .store import messaging
from .usecases import (
    EvidenceQueries,
    FollowUps,
    Funnel,
    LockKeeping,
    Registration,
    RegistrationUseCases,
    SalesProgress,
)
from .usecases.reconcile import LockReconciler
from .whatif import api as what_if_api
from .whatif.runs import HistorySource, WhatIfRuns
from .whatif.topics import TopicHistory
from .workflows.activities import LockActivities
from .workflows.client import TemporalLockScheduler, TemporalRunningLocks
from .workflows.lead_lock import LeadLockWorkflow
from .workflows.models import LOCK_WORKFLOW_KIND
from .workflows.steps import LockSteps

MIGRATIONS = Path(__file__).parent / "migrations"


def build_runtime(
    settings: RegistrationSettings,
    *,
    clock: Clock | None = None,
    broker: KafkaBroker | None = None,
    locks: LockScheduler | None = None,
    completer: TaskCompleter | None = None,
) -> tuple[ServiceRuntime, RegistrationUseCases]:
    """Wire the service; tests may pass an in-memory broker and, without Temporal, stand-ins for it."""
    runtime = ServiceRuntime(
        settings, tables=messaging, migrations=MIGRATIONS, clock=clock, broker=broker, uses_temporal=locks is None
    )
    scheduler = locks or TemporalLockScheduler(lambda: runtime.temporal, settings.task_queue())
    tx = runtime.transactions
    use_cases = RegistrationUseCases(
        intake=Registration(
            tx, runtime.rules, scheduler, settings, partners_required=settings.partner_registry_required
        ),
        locks=LockKeeping(tx, scheduler, cross_checks=settings.cross_checks),
        sales=SalesProgress(tx, scheduler),
        follow_ups=FollowUps(tx, scheduler),
        evidence=EvidenceQueries(tx),
        funnel=Funnel(tx),
        inbox=Inbox(tx, completer or TemporalTaskCompleter(lambda: runtime.temporal)),
        partners=PartnerDirectory(tx),
    )
    register_handlers(runtime.consumer, use_cases, runtime.clock)
    register_inbox_handlers(runtime.consumer, use_cases.inbox)
    register_figure_handlers(runtime.consumer, FigureFold(tx, large_amount=settings.large_account_amount))
    register_dispute_handlers(runtime.consumer, DisputesHeard(tx))
    runtime.run_worker([LeadLockWorkflow], LockActivities(LockSteps(tx)).all())
    runtime.sample_gauges(GAUGES)
    if locks is None and settings.lock_reconcile_seconds > 0:
        prefix = settings.workflow_id(LOCK_WORKFLOW_KIND, "")
        reconciler = LockReconciler(
            tx,
            scheduler,
            TemporalRunningLocks(lambda: runtime.temporal, prefix),
            workflow_id_prefix=prefix,
            grace=timedelta(seconds=settings.lock_reconcile_grace_seconds),
        )
        runtime.keep_running("lock-reconciler", lambda: reconciler.run_forever(settings.lock_reconcile_seconds))
    return runtime, use_cases


def build_app(
    runtime: ServiceRuntime, use_cases: RegistrationUseCases, *, what_if_history: HistorySource | None = None
) -> FastAPI:
    """The HTTP face of a wired service (its lifespan starts and stops the runtime); what-if reads the
    topics unless a test passes a history of its own."""
    return build_http_app(
        runtime,
        [
            leads.build_router(runtime.transactions, use_cases),
            funnel.build_router(use_cases.funnel, runtime.clock),
            evidence.build_router(use_cases.evidence),
            inbox_api.build_router(use_cases.inbox),
            partners_api.build_router(use_cases.partners),
            figures_api.build_router(OutcomeFigures(runtime.transactions), runtime.rules, runtime.clock),
            what_if_api.build_router(_what_if_runs(runtime, what_if_history), runtime.rules),
        ],
        title="Referee registration",
        description="Intake of registrations, lead lifecycle and funnel, locks, the evidence trail and the "
        "reviewers' inbox.",
    )


def _what_if_runs(runtime: ServiceRuntime, history: HistorySource | None) -> WhatIfRuns:
    settings = runtime.settings
    assert isinstance(settings, RegistrationSettings)
    source = history or TopicHistory(settings)
    return WhatIfRuns(source, runtime.rules, large_amount=settings.large_account_amount)


def create_app(settings: RegistrationSettings | None = None) -> FastAPI:
    return build_app(*build_runtime(settings or RegistrationSettings()))
