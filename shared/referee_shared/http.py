"""The HTTP face of a service: FastAPI with the runtime's lifespan, a health endpoint and OpenAPI."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse

from .runtime import ServiceRuntime


def build_http_app(runtime: ServiceRuntime, routers: Sequence[APIRouter], *, title: str, description: str) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=title, description=description, version="1", lifespan=lifespan)
    app.state.auth_secret = runtime.settings.auth_secret
    app.state.runtime = runtime

    @app.get("/health", tags=["operations"], summary="Is this instance and everything it depends on up?")
    async def health() -> JSONResponse:
        checks = await runtime.health()
        healthy = all(value == "ok" for value in checks.values())
        body = {
            "status": "ok" if healthy else "degraded",
            "service": runtime.settings.service_name,
            "instance": runtime.settings.instance_id,
            "checks": checks,
        }
        return JSONResponse(body, status_code=200 if healthy else 503)

    for router in routers:
        app.include_router(router)
    return app
