"""Referee's HTTP APIs with token handling: a bearer token from your identity provider, renewed on 401."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import httpx

from .contract import REASONS, LeadSubmitted

TokenSource = Callable[[], Awaitable[str]]
"""Returns a valid access token; called at the first request and again whenever Referee answers 401."""


class RefereeHttpError(Exception):
    """A refusal: the status, Referee's ``detail`` and, when it starts with one, the reason code."""

    def __init__(self, status: int, detail: Any) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status
        self.detail = detail
        head = detail.split(":", 1)[0] if isinstance(detail, str) else ""
        self.reason_code: str | None = head if head in REASONS else None


class RefereeHttp:
    """One service's API (``base_url``, e.g. registration's). GETs are retried on 5xx and network errors."""

    def __init__(
        self,
        base_url: str,
        token: TokenSource,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        retries: int = 3,
        correlation_id: str | None = None,
    ) -> None:
        headers = {"X-Correlation-ID": correlation_id} if correlation_id else {}
        self._client = httpx.AsyncClient(base_url=base_url, transport=transport, headers=headers, timeout=30)
        self._token_source = token
        self._token: str | None = None
        self._retries = retries

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> RefereeHttp:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """The decoded JSON answer; RefereeHttpError for a 4xx/5xx."""
        attempts = self._retries if method == "GET" else 1
        renewed = False
        for attempt in range(1, attempts + 1):
            if self._token is None:
                self._token = await self._token_source()
            try:
                response = await self._client.request(
                    method, path, headers={"Authorization": f"Bearer {self._token}"}, **kwargs
                )
            except httpx.TransportError:
                if attempt == attempts:
                    raise
                await asyncio.sleep(0.2 * attempt)
                continue
            if response.status_code == 401 and not renewed:
                self._token, renewed = None, True
                return await self.request(method, path, **kwargs)
            if response.status_code >= 500 and attempt < attempts:
                await asyncio.sleep(0.2 * attempt)
                continue
            if response.status_code >= 400:
                try:
                    detail = response.json().get("detail")
                except ValueError:
                    detail = response.text
                raise RefereeHttpError(response.status_code, detail)
            return response.json()
        raise AssertionError("unreachable")

    # Registration (partners): registrations and their leads.
    async def register_lead(self, submission: LeadSubmitted) -> dict[str, Any]:
        """Submit a registration; resending the same ``lead_id`` is the same registration."""
        return dict(await self.request("POST", "/leads", json=submission.model_dump(mode="json", exclude_none=True)))

    async def lead(self, lead_id: UUID) -> dict[str, Any]:
        """Status, reason code, lock expiry and history of one of your leads."""
        return dict(await self.request("GET", f"/leads/{lead_id}"))

    # Settlement (finance): a deal's statements and payments, and the reconciliation.
    async def settlement_deal(self, deal_id: str) -> dict[str, Any]:
        return dict(await self.request("GET", f"/settlement/deals/{deal_id}"))

    async def reconciliation(self, period: str) -> dict[str, Any]:
        return dict(await self.request("GET", "/settlement/reconciliation", params={"period": period}))
