"""Checking a bearer token: signature, issuer, audience, lifetime, revocation, and the claims a role needs.

Two issuers are trusted: the local one (HS256 with the shared secret) and, when configured, an OIDC
provider whose public keys are read from its JWKS (RS256/ES256). The algorithm is chosen by the issuer,
never by the token's header alone, so an HS256 token "signed" with a provider's public key is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt

from .auth import Principal, Role
from .settings import ServiceSettings

REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "jti"]
ASYMMETRIC = ["RS256", "ES256"]


@dataclass(frozen=True)
class TokenPolicy:
    local_secret: str
    local_issuer: str
    audience: str
    max_lifetime: timedelta
    jwks_url: str = ""
    jwks_issuer: str = ""

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> TokenPolicy:
        return cls(
            local_secret=settings.auth_secret,
            local_issuer=settings.auth_issuer,
            audience=settings.auth_audience,
            max_lifetime=timedelta(hours=settings.auth_max_token_hours),
            jwks_url=settings.auth_jwks_url,
            jwks_issuer=settings.auth_jwks_issuer,
        )


class TokenVerifier:
    """Turns a bearer token into a Principal, or raises ValueError saying why it is refused."""

    def __init__(self, policy: TokenPolicy, is_revoked: Callable[[str], bool] = lambda _jti: False) -> None:
        self.policy = policy
        self._is_revoked = is_revoked
        self._jwks = jwt.PyJWKClient(policy.jwks_url, cache_keys=True) if policy.jwks_url else None

    def verify(self, token: str) -> Principal:
        try:
            claims = self._verified_claims(token)
        except jwt.PyJWTError as exc:
            raise ValueError(f"invalid token: {exc}") from exc
        lifetime = timedelta(seconds=int(claims["exp"]) - int(claims["iat"]))
        if lifetime > self.policy.max_lifetime:
            hours = int(self.policy.max_lifetime.total_seconds() // 3600)
            raise ValueError(f"invalid token: lives longer than the {hours} hours allowed; ask for a new one")
        if self._is_revoked(str(claims["jti"])):
            raise ValueError(f"invalid token: token {claims['jti']} was revoked")
        return _principal(claims)

    def _verified_claims(self, token: str) -> dict[str, Any]:
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        if issuer is None:
            raise jwt.MissingRequiredClaimError("iss")
        options: Any = {"require": REQUIRED_CLAIMS}
        if issuer == self.policy.local_issuer and self.policy.local_secret:
            return jwt.decode(
                token,
                self.policy.local_secret,
                algorithms=["HS256"],
                audience=self.policy.audience,
                issuer=self.policy.local_issuer,
                options=options,
            )
        if self._jwks is not None and issuer == self.policy.jwks_issuer:
            key = self._jwks.get_signing_key_from_jwt(token)
            return jwt.decode(
                token,
                key.key,
                algorithms=ASYMMETRIC,
                audience=self.policy.audience,
                issuer=self.policy.jwks_issuer,
                options=options,
            )
        raise jwt.InvalidIssuerError(f"issuer {issuer!r} is not trusted here")


def _principal(claims: Mapping[str, Any]) -> Principal:
    try:
        role = Role(claims["role"])
    except (KeyError, ValueError) as exc:
        raise ValueError("invalid token: no known role claim (partner, reviewer, arbiter, finance, admin)") from exc
    partner_id = claims.get("partner_id") or None
    if role is Role.PARTNER and not partner_id:
        raise ValueError("invalid token: a partner token must name the partner it acts for (partner_id)")
    regions = claims.get("regions") or []
    if not isinstance(regions, list) or not all(isinstance(r, str) for r in regions):
        raise ValueError("invalid token: regions must be a list of region names")
    return Principal(
        subject=str(claims["sub"]), role=role, partner_id=partner_id, regions=regions, token_id=str(claims["jti"])
    )
