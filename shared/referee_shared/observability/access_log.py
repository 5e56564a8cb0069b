"""One log line per HTTP request, carrying the request's correlation id (taken from the caller or made)."""

from __future__ import annotations

import logging
import time
import uuid

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CORRELATION_HEADER = "x-correlation-id"
MAX_CORRELATION_ID = 128

log = logging.getLogger("referee.access")


class AccessLog:
    """ASGI middleware: binds ``correlation_id`` for every log record of the request, echoes it in the
    response header and logs method, path, status and duration when the response starts."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = _correlation_id(scope)
        started = time.perf_counter()

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (CORRELATION_HEADER.encode(), correlation_id.encode())]
                if scope.get("path") not in _QUIET_PATHS:
                    log.info(
                        "http request",
                        extra={
                            "method": scope.get("method"),
                            "path": scope.get("path"),
                            "status": message["status"],
                            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                        },
                    )
            await send(message)

        with structlog.contextvars.bound_contextvars(correlation_id=correlation_id):
            await self.app(scope, receive, send_with_header)


# Probes and scrapes arrive every few seconds from the platform; they would drown the requests people make.
_QUIET_PATHS = frozenset({"/health", "/health/live", "/health/ready", "/metrics"})


def _correlation_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == CORRELATION_HEADER.encode():
            given = str(value.decode("latin-1")).strip()
            if given and len(given) <= MAX_CORRELATION_ID and given.isprintable():
                return given
    return str(uuid.uuid4())
