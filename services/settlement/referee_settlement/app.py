"""Settlement's composition root."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from referee_shared.clock import Clock
from referee_shared.http import build_http_app
from referee_shared.runtime import ServiceRuntime

from .handlers import register_handlers
from .settings import SettlementSettings
from .store import messaging
from .usecases import Settlement

MIGRATIONS = Path(__file__).parent / "migrations"


def build_runtime(
    settings: SettlementSettings, *, clock: Clock | None = None, broker: KafkaBroker | None = None
) -> tuple[ServiceRuntime, Settlement]:
    runtime = ServiceRuntime(
        settings, tables=messaging, migrations=MIGRATIONS, clock=clock, broker=broker, uses_temporal=False
    )
    settlement = Settlement(runtime.transactions)
    register_handlers(runtime.consumer, settlement)
    return runtime, settlement


def create_app(settings: SettlementSettings | None = None) -> FastAPI:
    runtime, _ = build_runtime(settings or SettlementSettings())
    return build_http_app(
        runtime,
        [],
        title="Referee settlement",
        description="Split rules, statements for finance, reversals and payment status.",
    )
