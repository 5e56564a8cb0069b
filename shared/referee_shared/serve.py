"""Running one service process: logging first, then uvicorn serving the service's HTTP app."""

from __future__ import annotations

from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from .logs import configure_logging
from .observability.tracing import configure_exporter
from .settings import ServiceSettings


def serve(settings: ServiceSettings, create_app: Callable[[ServiceSettings], FastAPI]) -> None:
    configure_logging(settings.service_name, settings.instance_id, settings.log_level, settings.log_json)
    configure_exporter(settings)
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
    )
