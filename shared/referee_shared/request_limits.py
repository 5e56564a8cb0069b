"""Refusing oversized request bodies, and 4xx answers that never echo what the caller sent."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_MESSAGE_CHARS = 300


class BodyTooLarge(HTTPException):
    """Raised while the body streams in; FastAPI passes HTTP exceptions through its body parsing."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, _too_large(max_bytes))


def _too_large(max_bytes: int) -> str:
    return f"request body larger than {max_bytes} bytes; send less (reason: request_body_limit)"


class BodyLimit:
    """ASGI middleware: a body over ``max_bytes`` (declared or streamed) is answered 413 without being read."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        detail = _too_large(self.max_bytes)
        response = JSONResponse({"detail": detail, "reason": "request_body_limit"}, status_code=413)
        await response({"type": "http"}, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


def _short(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS] + "…"


async def validation_refused(_request: Request, exc: Exception) -> JSONResponse:
    """422 naming where and what is wrong, without the offending input (which may be megabytes)."""
    errors: Sequence[Any] = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail = [
        {
            "loc": [str(part) for part in error.get("loc", ())],
            "msg": _short(str(error.get("msg", ""))),
            "type": error.get("type"),
        }
        for error in errors[:20]
    ]
    return JSONResponse({"detail": detail}, status_code=422)
