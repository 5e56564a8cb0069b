"""Arbitration's composition root."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from referee_shared.clock import Clock
from referee_shared.http import build_http_app
from referee_shared.runtime import ServiceRuntime

from .handlers import register_handlers
from .settings import ArbitrationSettings
from .store import messaging
from .usecases import Arbitration

MIGRATIONS = Path(__file__).parent / "migrations"


def build_runtime(
    settings: ArbitrationSettings, *, clock: Clock | None = None, broker: KafkaBroker | None = None
) -> tuple[ServiceRuntime, Arbitration]:
    runtime = ServiceRuntime(
        settings, tables=messaging, migrations=MIGRATIONS, clock=clock, broker=broker, uses_temporal=False
    )
    arbitration = Arbitration(runtime.transactions)
    register_handlers(runtime.consumer, arbitration)
    return runtime, arbitration


def create_app(settings: ArbitrationSettings | None = None) -> FastAPI:
    runtime, _ = build_runtime(settings or ArbitrationSettings())
    return build_http_app(
        runtime,
        [],
        title="Referee arbitration",
        description="Disputes, evidence bundles, escalation and rulings.",
    )
