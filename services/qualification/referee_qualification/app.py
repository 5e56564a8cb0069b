"""Qualification's composition root: wires runtime, use cases, handlers, workflows and routes."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from referee_shared.clock import Clock
from referee_shared.http import build_http_app
from referee_shared.runtime import ServiceRuntime

from . import api
from .handlers import register_handlers
from .metrics import GAUGES
from .ports import Reviews
from .settings import QualificationSettings
from .store import messaging
from .usecases import Qualifications
from .workflows.activities import ReviewActivities
from .workflows.client import TemporalReviews
from .workflows.review import QualificationReviewWorkflow
from .workflows.steps import ReviewSteps
from .workflows.validity import CertificateValidityWorkflow

MIGRATIONS = Path(__file__).parent / "migrations"


def build_runtime(
    settings: QualificationSettings,
    *,
    clock: Clock | None = None,
    broker: KafkaBroker | None = None,
    reviews: Reviews | None = None,
) -> tuple[ServiceRuntime, Qualifications]:
    """Wire the service; tests may pass an in-memory broker and, without Temporal, a review starter."""
    runtime = ServiceRuntime(
        settings, tables=messaging, migrations=MIGRATIONS, clock=clock, broker=broker, uses_temporal=reviews is None
    )
    starter = reviews or TemporalReviews(lambda: runtime.temporal, settings.task_queue())
    qualifications = Qualifications(runtime.transactions, runtime.rules, starter, settings)
    register_handlers(runtime.consumer, qualifications)
    runtime.run_worker(
        [QualificationReviewWorkflow, CertificateValidityWorkflow],
        ReviewActivities(ReviewSteps(runtime.transactions, starter)).all(),
    )
    runtime.sample_gauges(GAUGES)
    return runtime, qualifications


def build_app(runtime: ServiceRuntime, qualifications: Qualifications) -> FastAPI:
    return build_http_app(
        runtime,
        [api.build_router(qualifications, runtime.transactions)],
        title="Referee qualification",
        description="Partner qualifications per product line, gating checks, reviews and expiry.",
    )


def create_app(settings: QualificationSettings | None = None) -> FastAPI:
    return build_app(*build_runtime(settings or QualificationSettings()))
