"""Internal payloads about API tokens: a revoked token id, read by every service instance."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from .envelope import Payload


class TokenRevoked(Payload):
    event_type = "token.revoked"

    token_id: str = Field(min_length=1, max_length=200, description="the token's `jti` claim")
    revoked_by: str = Field(min_length=1, max_length=200, description="the admin who revoked it")
    reason: str = Field(default="", max_length=500, description="why, for the record")
    revoked_at: AwareDatetime
