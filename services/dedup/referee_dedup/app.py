"""Dedup's composition root: wires runtime, use cases, handlers, the review workflow and routes."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from referee_shared.clock import Clock
from referee_shared.http import build_http_app
from referee_shared.runtime import ServiceRuntime

from . import api, board_api
from .handlers import register_handlers
from .metrics import GAUGES
from .ports import ReviewScheduler
from .settings import DedupSettings
from .store import messaging
from .usecases import Dedup
from .workflows.activities import ReviewActivities
from .workflows.client import TemporalReviewScheduler
from .workflows.duplicate_review import DuplicateReviewWorkflow
from .workflows.steps import ReviewSteps
from .workflows.visit_clash import VisitClashReviewWorkflow

MIGRATIONS = Path(__file__).parent / "migrations"


def build_runtime(
    settings: DedupSettings,
    *,
    clock: Clock | None = None,
    broker: KafkaBroker | None = None,
    reviews: ReviewScheduler | None = None,
) -> tuple[ServiceRuntime, Dedup]:
    """Wire the service; tests may pass an in-memory broker and, without Temporal, a review scheduler."""
    runtime = ServiceRuntime(
        settings, tables=messaging, migrations=MIGRATIONS, clock=clock, broker=broker, uses_temporal=reviews is None
    )
    scheduler = reviews or TemporalReviewScheduler(lambda: runtime.temporal, settings.task_queue())
    dedup = Dedup(runtime.transactions, runtime.rules, scheduler, settings)
    register_handlers(runtime.consumer, dedup, runtime.clock)
    runtime.run_worker(
        [DuplicateReviewWorkflow, VisitClashReviewWorkflow],
        ReviewActivities(ReviewSteps(runtime.transactions), dedup).all(),
    )
    runtime.sample_gauges(GAUGES)
    return runtime, dedup


def build_app(runtime: ServiceRuntime, dedup: Dedup) -> FastAPI:
    """The HTTP face of a wired service (its lifespan starts and stops the runtime)."""
    return build_http_app(
        runtime,
        [api.build_router(runtime.transactions, dedup), board_api.build_router(runtime.transactions, dedup)],
        title="Referee dedup",
        description="Customer index, normalisation, matching, territories, account slices and the demand board.",
    )


def create_app(settings: DedupSettings | None = None) -> FastAPI:
    return build_app(*build_runtime(settings or DedupSettings()))
