"""Revoked API tokens: a list every instance keeps in memory, fed by the compacted auth.revocations topic.

No service owns the list: the topic is its store. Each instance reads the topic from the start without
a consumer group (so every instance sees every revocation) and checks the list on every request.
Admins revoke through ``/admin/tokens/revoked`` on any service or ``referee token revoke``.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from faststream.kafka import KafkaBroker, KafkaMessage
from pydantic import BaseModel, Field

from .auth import Principal, Role, require
from .events.catalog import UndecodableMessage, decode
from .events.envelope import envelope_json, new_envelope
from .events.tokens import TokenRevoked
from .kafka.publisher import Record, RecordSender
from .topics import AUTH_REVOCATIONS

log = logging.getLogger(__name__)
AdminPrincipal = Annotated[Principal, Depends(require(Role.ADMIN))]


class RevocationList:
    def __init__(self) -> None:
        self._revoked: dict[str, TokenRevoked] = {}

    def add(self, revoked: TokenRevoked) -> None:
        self._revoked[revoked.token_id] = revoked

    def is_revoked(self, token_id: str) -> bool:
        return token_id in self._revoked

    def entries(self) -> list[TokenRevoked]:
        return sorted(self._revoked.values(), key=lambda r: r.revoked_at)


def follow_revocations(broker: KafkaBroker, topic_prefix: str, revocations: RevocationList) -> None:
    """Subscribe this instance to every revocation, past and future."""

    @broker.subscriber(AUTH_REVOCATIONS.full_name(topic_prefix), auto_offset_reset="earliest")
    async def revoked(message: KafkaMessage) -> None:
        try:
            event = decode(AUTH_REVOCATIONS, message.body)
        except UndecodableMessage as exc:
            log.warning("ignored an unreadable revocation", extra={"reason": exc.reason})
            return
        revocations.add(event.payload)


def revocation_record(revoked: TokenRevoked, topic_prefix: str) -> Record:
    envelope = new_envelope(revoked, producer="admin", occurred_at=revoked.revoked_at)
    return Record(
        AUTH_REVOCATIONS.full_name(topic_prefix), revoked.token_id.encode(), envelope_json(envelope), headers={}
    )


class RevokeToken(BaseModel):
    token_id: str = Field(min_length=1, max_length=200, description="the `jti` of the token to refuse from now on")
    reason: str = Field(default="", max_length=500)


def build_router(sender: RecordSender, revocations: RevocationList, topic_prefix: str) -> APIRouter:
    router = APIRouter(prefix="/admin/tokens", tags=["operations"])

    @router.post("/revoked", status_code=status.HTTP_201_CREATED, summary="Revoke a token on every service")
    async def revoke(body: RevokeToken, principal: AdminPrincipal, request: Request) -> dict[str, Any]:
        revoked = TokenRevoked(
            token_id=body.token_id,
            revoked_by=principal.subject,
            reason=body.reason,
            revoked_at=request.app.state.runtime.clock.now(),
        )
        await sender.send([revocation_record(revoked, topic_prefix)])
        revocations.add(revoked)  # this instance refuses it at once; the others as the topic reaches them
        return revoked.model_dump(mode="json")

    @router.get("/revoked", summary="Tokens revoked so far")
    async def revoked(_: AdminPrincipal) -> list[dict[str, Any]]:
        return [r.model_dump(mode="json") for r in revocations.entries()]

    return router
