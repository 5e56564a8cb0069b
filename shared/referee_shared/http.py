"""The HTTP face of a service: FastAPI with the runtime's lifespan, probes, metrics, access logs and OpenAPI."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry
from prometheus_fastapi_instrumentator import Instrumentator

from . import revocation
from .api_docs import serve_api_docs
from .observability.access_log import AccessLog
from .observability.metrics import exposition
from .observability.tracing import instrument_fastapi, tracing_enabled
from .request_limits import BodyLimit, validation_refused
from .rules import versions as rule_versions
from .runtime import ServiceRuntime
from .token_secret import check_token_secret
from .token_verifier import TokenPolicy, TokenVerifier


def build_http_app(runtime: ServiceRuntime, routers: Sequence[APIRouter], *, title: str, description: str) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    settings = runtime.settings
    check_token_secret(settings.auth_secret, local_mode=settings.local_mode, jwks_url=settings.auth_jwks_url)
    app = FastAPI(title=title, description=description, version="1", lifespan=lifespan, docs_url=None, redoc_url=None)
    serve_api_docs(app)
    app.state.tokens = TokenVerifier(TokenPolicy.from_settings(settings), runtime.revocations.is_revoked)
    app.state.runtime = runtime
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    app.add_exception_handler(RequestValidationError, validation_refused)
    app.include_router(revocation.build_router(runtime.sender, runtime.revocations, settings.topic_prefix))
    app.include_router(
        rule_versions.build_router(runtime.sender, runtime.rules, runtime.rule_uploads, runtime.rule_publisher)
    )

    @app.get("/health/live", tags=["operations"], summary="Is this process alive? (liveness probe)")
    async def live() -> JSONResponse:
        # Deliberately checks nothing outside the process: a broker outage must not get every pod restarted.
        return JSONResponse({"status": "alive", "service": runtime.settings.service_name})

    @app.get("/health/ready", tags=["operations"], summary="Can this instance do its job now? (readiness probe)")
    async def ready() -> JSONResponse:
        return await _readiness(runtime)

    @app.get("/health", tags=["operations"], summary="Is this instance and everything it depends on up?")
    async def health() -> JSONResponse:
        return await _readiness(runtime)

    http_metrics = CollectorRegistry()
    Instrumentator(
        excluded_handlers=["/metrics", "/health.*"],
        should_group_status_codes=False,
        registry=http_metrics,
    ).instrument(app, metric_namespace="referee")  # one name for every service; the scrape job tells them apart

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics of this process", include_in_schema=False)
    async def scrape() -> Response:
        return Response(exposition({"http": http_metrics}), media_type=CONTENT_TYPE_LATEST)

    for router in routers:
        app.include_router(router)
    app.add_middleware(AccessLog)
    if tracing_enabled(runtime.settings):
        instrument_fastapi(app)
    return app


async def _readiness(runtime: ServiceRuntime) -> JSONResponse:
    checks = await runtime.health()
    healthy = all(value == "ok" for value in checks.values())
    body = {
        "status": "ok" if healthy else "degraded",
        "service": runtime.settings.service_name,
        "instance": runtime.settings.instance_id,
        "checks": checks,
    }
    return JSONResponse(body, status_code=200 if healthy else 503)
