"""The envelope every message carries, whatever its topic."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Generic, TypeGuard, TypeVar
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from ..timebounds import BoundedDatetime


class Payload(BaseModel):
    """Base of every event payload; subclasses name their type and schema version."""

    model_config = ConfigDict(extra="forbid")

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1


# Covariant: an envelope is frozen, so an Envelope[DealClosed] is an Envelope[DealClosed | DealReversed].
P_co = TypeVar("P_co", bound=Payload, covariant=True)
P = TypeVar("P", bound=Payload)


class Envelope(BaseModel, Generic[P_co]):
    """Identity, type, version, time and provenance of one message, around its payload."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: UUID = Field(description="unique per event; consumers use it to ignore redeliveries")
    type: str = Field(description="what happened, e.g. lead.submitted")
    schema_version: int = Field(ge=1, description="version of the payload schema for this type")
    occurred_at: BoundedDatetime = Field(description="when the producer says it happened (UTC)")
    producer: str = Field(min_length=1, description="the system or service that wrote the event")
    correlation_id: str = Field(min_length=1, description="ties together every event of one flow")
    payload: P_co
    signature: str | None = Field(
        default=None,
        description="<key id>.<base64 Ed25519 signature> by the producer of the canonical envelope minus this field",
    )


def new_envelope(
    payload: P,
    *,
    producer: str,
    occurred_at: datetime,
    correlation_id: str | None = None,
    event_id: UUID | None = None,
) -> Envelope[P]:
    """Wrap a payload for publishing; the correlation id defaults to the event id (a new flow)."""
    eid = event_id or uuid4()
    typed: Any = Envelope[type(payload)]  # type: ignore[misc]
    return typed(  # type: ignore[no-any-return]
        event_id=eid,
        type=payload.event_type,
        schema_version=payload.schema_version,
        occurred_at=occurred_at,
        producer=producer,
        correlation_id=correlation_id or str(eid),
        payload=payload,
    )


def carries(event: Envelope[Any], kind: type[P]) -> TypeGuard[Envelope[P]]:
    """True if ``event`` carries a ``kind`` payload; narrows an envelope of a topic with several kinds."""
    return isinstance(event.payload, kind)


def envelope_json(envelope: Envelope[Any]) -> bytes:
    return envelope.model_dump_json().encode()
