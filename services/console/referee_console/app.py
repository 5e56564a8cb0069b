"""The console's composition root: settings -> user store, service clients, catalogues -> the pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry
from prometheus_fastapi_instrumentator import Instrumentator
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from referee_shared.observability.access_log import AccessLog
from referee_shared.observability.metrics import exposition

from .clients import ServiceRefused, Services
from .demo_users import ensure_demo_users
from .i18n import load_catalogues
from .notifications.centre import NotificationCentre
from .oidc import CompanySignIn
from .pages import arbiter, auth, board, finance, manager, notifications, outcomes, partner, partner_more, rules, staff
from .pages.more import third_round_routers
from .photos import Photos
from .reasons import refusal_text
from .sessions import SessionSigner
from .settings import ConsoleSettings
from .users import Base, Users
from .web import Console, SignInRequired, language, optional_user, render

STATIC = Path(__file__).parent / "static"


def create_app(
    settings: ConsoleSettings | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    oidc_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    settings = settings or ConsoleSettings()
    database_url = settings.database_url or f"sqlite+aiosqlite:///{settings.data_dir / 'services' / 'console.db'}"
    engine = create_async_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    users = Users(sessions)
    services = Services(settings, transport)
    state = Console(
        settings=settings,
        users=users,
        services=services,
        signer=SessionSigner(settings.session_secret, int(timedelta(hours=settings.session_hours).total_seconds())),
        catalogues=load_catalogues(),
        zone=ZoneInfo(settings.time_zone),
    )
    centre = NotificationCentre(settings, sessions, users, state.catalogues)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if database_url.startswith("sqlite"):
            (settings.data_dir / "services").mkdir(parents=True, exist_ok=True)
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        if settings.demo_users:
            await ensure_demo_users(users)
        await centre.start()
        try:
            yield
        finally:
            await centre.stop()
            await services.close()
            await engine.dispose()

    app = FastAPI(title="Referee console", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.console = state
    app.state.notifications = centre
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.state.photos = Photos(settings.data_dir / "photos", sessions, settings.photo_max_bytes)
    app.state.company_sign_in = CompanySignIn(settings, oidc_transport)
    for module in (
        auth,
        partner,
        staff,
        arbiter,
        finance,
        manager,
        board,
        outcomes,
        notifications,
        partner_more,
        rules,
    ):
        app.include_router(module.router)
    for router in third_round_routers():
        app.include_router(router)
    _probes(app)
    _errors(app)
    app.add_middleware(SameOriginPosts)
    app.add_middleware(AccessLog)
    return app


class SameOriginPosts(BaseHTTPMiddleware):
    """Refuse a state-changing request sent by another site's page (with SameSite cookies, a second guard)."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            origin = request.headers.get("origin")
            if origin and urlsplit(origin).netloc != request.headers.get("host"):
                return Response("cross-site request refused", status_code=403)
        return await call_next(request)


async def _database_ready(state: Console) -> bool:
    try:
        await state.users.count()
    except Exception:
        return False
    return True


def _probes(app: FastAPI) -> None:
    @app.get("/health/live", include_in_schema=False)
    async def live() -> JSONResponse:
        return JSONResponse({"status": "alive", "service": "console"})

    async def readiness(request: Request) -> JSONResponse:
        database = await _database_ready(request.app.state.console)
        body = {
            "status": "ok" if database else "degraded",
            "service": "console",
            "checks": {"database": "ok" if database else "unreachable"},
        }
        return JSONResponse(body, status_code=200 if database else 503)

    app.add_api_route("/health/ready", readiness, include_in_schema=False)
    app.add_api_route("/health", readiness, include_in_schema=False)

    http_metrics = CollectorRegistry()
    Instrumentator(
        excluded_handlers=["/metrics", "/health.*", "/static.*"], should_group_status_codes=False, registry=http_metrics
    ).instrument(app, metric_namespace="referee")

    @app.get("/metrics", include_in_schema=False)
    async def scrape() -> Response:
        return Response(exposition({"http": http_metrics}), media_type=CONTENT_TYPE_LATEST)


def _errors(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, _exc: SignInRequired) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(ServiceRefused)
    async def refused(request: Request, exc: ServiceRefused) -> HTMLResponse:
        user = await optional_user(request)
        code = exc.status if exc.status in (403, 404, 409, 422) else 502
        detail = refusal_text(exc.detail, language(request))  # a known reason in the reader's language
        return render(request, "error.html", user, status_code=code, status=exc.status, detail=detail)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        user = await optional_user(request)
        return render(
            request, "error.html", user, status_code=exc.status_code, status=exc.status_code, detail=exc.detail
        )

    @app.exception_handler(httpx.TransportError)
    async def unreachable(request: Request, exc: httpx.TransportError) -> HTMLResponse:
        user = await optional_user(request)
        detail = f"service unreachable: {exc.request.url.host}:{exc.request.url.port}"
        return render(request, "error.html", user, status_code=503, status=503, detail=detail)
