"""The five services as the console calls them: each call carries a token for the signed-in user.

The token's role, partner and regions come from the console's user record (see roles.SERVICE_ROLE).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from referee_shared.auth import issue_token

from .roles import SERVICE_ROLE
from .settings import ConsoleSettings
from .users import User

TOKEN_TTL = timedelta(minutes=5)


class ServiceRefused(Exception):
    """A service said no; ``detail`` is its reason, shown to the user as it is."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


class Services:
    def __init__(self, settings: ConsoleSettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._secret = settings.auth_secret
        self._client = httpx.AsyncClient(timeout=settings.service_timeout_seconds, transport=transport)
        self._base = {
            "registration": settings.registration_url.rstrip("/"),
            "dedup": settings.dedup_url.rstrip("/"),
            "qualification": settings.qualification_url.rstrip("/"),
            "arbitration": settings.arbitration_url.rstrip("/"),
            "settlement": settings.settlement_url.rstrip("/"),
        }

    async def close(self) -> None:
        await self._client.aclose()

    def _token(self, user: User) -> str:
        return issue_token(
            self._secret,
            subject=user.username,
            role=SERVICE_ROLE[user.role],
            partner_id=user.partner_id,
            regions=list(user.regions),
            now=datetime.now(UTC),
            ttl=TOKEN_TTL,
        )

    async def call(
        self,
        user: User,
        service: str,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """JSON of a 2xx answer (text for text answers); ServiceRefused with the service's reason otherwise."""
        response = await self._client.request(
            method,
            self._base[service] + path,
            params={k: v for k, v in (params or {}).items() if v not in (None, "")},
            json=json,
            headers={"Authorization": f"Bearer {self._token(user)}"},
        )
        if response.status_code >= 400:
            raise ServiceRefused(response.status_code, _detail(response))
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.text

    async def get(self, user: User, service: str, path: str, **params: Any) -> Any:
        return await self.call(user, service, "GET", path, params=params)

    async def post(self, user: User, service: str, path: str, body: Any) -> Any:
        return await self.call(user, service, "POST", path, json=body)


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:500]
    detail = body.get("detail") if isinstance(body, dict) else body
    if isinstance(detail, list):  # FastAPI's validation errors: say which field and why
        return "; ".join(f"{'.'.join(str(p) for p in e.get('loc', [])[1:])}: {e.get('msg')}" for e in detail)
    return str(detail)
