"""Dedup's composition root."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from referee_shared.clock import Clock
from referee_shared.http import build_http_app
from referee_shared.runtime import ServiceRuntime

from .handlers import register_handlers
from .settings import DedupSettings
from .store import messaging
from .usecases import Dedup

MIGRATIONS = Path(__file__).parent / "migrations"


def build_runtime(
    settings: DedupSettings, *, clock: Clock | None = None, broker: KafkaBroker | None = None
) -> tuple[ServiceRuntime, Dedup]:
    runtime = ServiceRuntime(
        settings, tables=messaging, migrations=MIGRATIONS, clock=clock, broker=broker, uses_temporal=False
    )
    dedup = Dedup(runtime.transactions, runtime.rules)
    register_handlers(runtime.consumer, dedup)
    return runtime, dedup


def create_app(settings: DedupSettings | None = None) -> FastAPI:
    settings = settings or DedupSettings()
    runtime, _ = build_runtime(settings)
    return build_http_app(
        runtime,
        [],
        title="Referee dedup",
        description="Customer index, normalisation, matching, territories and account slices.",
    )
