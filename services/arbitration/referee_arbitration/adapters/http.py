"""Reading the other services over HTTP: registration's evidence bundles and dedup's verdicts.

Arbitration calls them as a service with a short-lived token of role arbiter. A missing subject
(404) is an answer; anything else that fails is EvidenceUnavailable, which callers retry.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx
from pydantic import TypeAdapter, ValidationError

from referee_shared.auth import Role, issue_token
from referee_shared.calls import no_transaction_open
from referee_shared.clock import Clock

from ..adapters.evidence import EvidenceBundle, Verdict
from ..ports import EvidenceUnavailable, EvidenceUnreadable

SERVICE_SUBJECT = "arbitration"
TOKEN_TTL = timedelta(minutes=5)
_VERDICTS = TypeAdapter(list[Verdict])


class ServiceCaller:
    """GETs JSON from one service as arbitration; None for a 404, EvidenceUnavailable for any failure."""

    def __init__(
        self,
        base_url: str,
        *,
        secret: str,
        clock: Clock,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._secret = secret
        self._clock = clock
        self._timeout = timeout
        self._transport = transport

    async def get_json(self, path: str) -> Any | None:
        no_transaction_open(f"GET {self._base_url}{path}")
        token = issue_token(
            self._secret, subject=SERVICE_SUBJECT, role=Role.ARBITER, now=self._clock.now(), ttl=TOKEN_TTL
        )
        try:
            async with httpx.AsyncClient(
                base_url=self._base_url, timeout=self._timeout, transport=self._transport
            ) as client:
                response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError as exc:
            raise EvidenceUnavailable(f"{self._base_url}{path}: {exc!r}") from exc
        if response.status_code == httpx.codes.NOT_FOUND:
            return None
        if response.status_code != httpx.codes.OK:
            raise EvidenceUnavailable(f"{self._base_url}{path} answered {response.status_code}: {response.text[:300]}")
        return response.json()


class HttpEvidenceSource:
    """Registration's evidence endpoints (docs/registration.md): GET /evidence/leads/{id}, /evidence/customers/{key}."""

    def __init__(self, caller: ServiceCaller) -> None:
        self._caller = caller

    async def for_lead(self, lead_id: UUID) -> EvidenceBundle | None:
        return self._bundle(await self._caller.get_json(f"/evidence/leads/{lead_id}"))

    async def for_customer(self, customer_key: str) -> EvidenceBundle | None:
        return self._bundle(await self._caller.get_json(f"/evidence/customers/{quote(customer_key, safe='')}"))

    @staticmethod
    def _bundle(document: Any | None) -> EvidenceBundle | None:
        if document is None:
            return None
        try:
            return EvidenceBundle.model_validate(document)
        except ValidationError as exc:
            raise EvidenceUnreadable(f"registration's evidence bundle is not what arbitration reads: {exc}") from exc


class HttpVerdictSource:
    """Dedup's verdicts of a lead (docs/dedup.md): GET /verdicts?lead_id=…, oldest first; 404 when there are none."""

    def __init__(self, caller: ServiceCaller) -> None:
        self._caller = caller

    async def for_lead(self, lead_id: UUID) -> list[Verdict]:
        document = await self._caller.get_json(f"/verdicts?lead_id={lead_id}")
        if document is None:
            return []
        try:
            return _VERDICTS.validate_python(document)
        except ValidationError as exc:
            raise EvidenceUnreadable(f"dedup's verdicts are not what arbitration reads: {exc}") from exc
