"""Signed API tokens (HS256 JWT) carrying a role, and the FastAPI dependencies that check them.

Every service verifies tokens with the same secret, so one token works across the whole API.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel


class Role(StrEnum):
    PARTNER = "partner"
    REVIEWER = "reviewer"
    ARBITER = "arbiter"
    FINANCE = "finance"
    ADMIN = "admin"


class Principal(BaseModel):
    """Who is calling: a subject (user or system), a role, and for partners the partner they act for."""

    subject: str
    role: Role
    partner_id: str | None = None
    regions: list[str] = []


def issue_token(
    secret: str,
    *,
    subject: str,
    role: Role,
    partner_id: str | None = None,
    regions: list[str] | None = None,
    now: datetime,
    ttl: timedelta = timedelta(days=30),
) -> str:
    if role is Role.PARTNER and not partner_id:
        raise ValueError("a partner token must name the partner it acts for")
    claims = {
        "sub": subject,
        "role": role.value,
        "partner_id": partner_id,
        "regions": regions or [],
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def read_token(secret: str, token: str) -> Principal:
    """Verify signature and expiry; raise ValueError with the reason otherwise."""
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"])
        return Principal(
            subject=claims["sub"],
            role=Role(claims["role"]),
            partner_id=claims.get("partner_id"),
            regions=claims.get("regions") or [],
        )
    except (jwt.PyJWTError, KeyError, ValueError) as exc:
        raise ValueError(f"invalid token: {exc}") from exc


_bearer = HTTPBearer(auto_error=False)


def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing bearer token")
    try:
        return read_token(request.app.state.auth_secret, credentials.credentials)
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
