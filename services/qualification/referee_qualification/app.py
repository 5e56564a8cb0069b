"""Qualification's composition root."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from referee_shared.clock import Clock
from referee_shared.http import build_http_app
from referee_shared.runtime import ServiceRuntime

from .handlers import register_handlers
from .settings import QualificationSettings
from .store import messaging
from .usecases import Qualifications

MIGRATIONS = Path(__file__).parent / "migrations"


def build_runtime(
    settings: QualificationSettings, *, clock: Clock | None = None, broker: KafkaBroker | None = None
) -> tuple[ServiceRuntime, Qualifications]:
    runtime = ServiceRuntime(
        settings, tables=messaging, migrations=MIGRATIONS, clock=clock, broker=broker, uses_temporal=False
    )
    qualifications = Qualifications(runtime.transactions, runtime.rules)
    register_handlers(runtime.consumer, qualifications)
    return runtime, qualifications


def create_app(settings: QualificationSettings | None = None) -> FastAPI:
    runtime, _ = build_runtime(settings or QualificationSettings())
    return build_http_app(
        runtime,
        [],
        title="Referee qualification",
        description="Partner qualifications per product line, gating checks, reviews and expiry.",
    )
