"""API tokens as an identity provider issues them, and the FastAPI dependencies that check them.

The local issuer signs HS256 tokens with a secret shared by every service, so one token works across
the whole API; an OIDC provider's RS256/ES256 tokens are accepted too (see ``token_verifier``).
Every token names its issuer, audience, lifetime and id (``jti``, the handle for revoking it).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

if TYPE_CHECKING:
    from .token_verifier import TokenVerifier

LOCAL_ISSUER = "referee"
API_AUDIENCE = "referee-api"
DEFAULT_TTL = timedelta(hours=12)


class Role(StrEnum):
    PARTNER = "partner"
    REVIEWER = "reviewer"
    ARBITER = "arbiter"
    FINANCE = "finance"
    ADMIN = "admin"
    CHANNEL_MANAGER = "channel_manager"  # reads figures, the funnel and the board; changes nothing


class Principal(BaseModel):
    """Who is calling: a subject (user or system), a role, and for partners the partner they act for."""

    subject: str
    role: Role
    partner_id: str | None = None
    regions: list[str] = []
    token_id: str = ""

    def covers(self, region: str | None) -> bool:
        """May this caller see records of ``region``? Reviewers without regions cover every region.

        A reviewer's region covers the records of that region and of every place in it
        ("浙江" covers "浙江/杭州"); a record of no known region is outside every region.
        """
        if self.role is not Role.REVIEWER or not self.regions:
            return True
        return region is not None and any(region.startswith(mine) for mine in self.regions)

    def overlaps(self, scope: list[str]) -> bool:
        """May this caller see a record valid in these regions? An empty scope means nationwide."""
        if not self.regional or not scope:
            return True
        return any(theirs.startswith(mine) or mine.startswith(theirs) for theirs in scope for mine in self.regions)

    @property
    def regional(self) -> bool:
        """A reviewer limited to some regions."""
        return self.role is Role.REVIEWER and bool(self.regions)


def issue_token(
    secret: str,
    *,
    subject: str,
    role: Role,
    partner_id: str | None = None,
    regions: list[str] | None = None,
    now: datetime,
    ttl: timedelta = DEFAULT_TTL,
    issuer: str = LOCAL_ISSUER,
    audience: str = API_AUDIENCE,
    token_id: str | None = None,
) -> str:
    """Sign a token of the local issuer; raise ValueError for a token no service would accept."""
    if role is Role.PARTNER and not partner_id:
        raise ValueError("a partner token must name the partner it acts for")
    if ttl <= timedelta(0):
        raise ValueError("a token's lifetime must be positive")
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "jti": token_id or str(uuid.uuid4()),
        "role": role.value,
        "partner_id": partner_id,
        "regions": regions or [],
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


_bearer = HTTPBearer(auto_error=False)


def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing bearer token")
    verifier: TokenVerifier = request.app.state.tokens
    try:
        return verifier.verify(credentials.credentials)
    except ValueError as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc)) from exc


def require(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency admitting only the given roles (admin is always admitted)."""

    def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role is not Role.ADMIN and principal.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            message = f"role {principal.role.value} may not do this; needs {allowed}"
            raise HTTPException(status.HTTP_403_FORBIDDEN, message)
        return principal

    return check


def require_region(principal: Principal, region: str | None) -> None:
    """403 when a reviewer limited to some regions asks for a record of another region."""
    if not principal.covers(region):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"outside your regions ({', '.join(principal.regions)}); ask a reviewer of {region or 'that region'}",
        )
