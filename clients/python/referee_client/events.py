"""Building envelopes around payloads, and reading received documents into typed events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from pydantic import BaseModel, ValidationError

from .contract import EVENTS, PAYLOAD_EVENTS, TOPICS, Envelope, TopicInfo


class UnreadableEvent(Exception):
    """A document this kit cannot turn into a typed event; ``code`` uses Referee's dead-letter codes."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code


def event_class(payload: BaseModel) -> type[Envelope]:
    try:
        return PAYLOAD_EVENTS[type(payload)]
    except KeyError:
        raise TypeError(f"{type(payload).__name__} is not a payload of the Referee contract") from None


def input_topic(payload: BaseModel) -> TopicInfo:
    """The one topic partners write this payload's event to."""
    kind = event_class(payload).event_type
    found = [t for t in TOPICS.values() if t.direction == "in" and kind in t.event_types]
    if len(found) != 1:
        raise ValueError(f"{kind} is not an event integrators publish")
    return found[0]


def envelope_document(
    payload: BaseModel,
    *,
    producer: str,
    correlation_id: str | None = None,
    event_id: UUID | None = None,
    occurred_at: datetime | None = None,
) -> dict[str, Any]:
    """The JSON document of a new event: a fresh event id unless you resend one (a retry keeps its id)."""
    cls = event_class(payload)
    eid = event_id or uuid4()
    return {
        "event_id": str(eid),
        "type": cls.event_type,
        "schema_version": cls.version,
        "occurred_at": (occurred_at or datetime.now(UTC)).isoformat(),
        "producer": producer,
        "correlation_id": correlation_id or str(eid),
        "payload": payload.model_dump(mode="json", exclude_none=True),
    }


def read_event(document: dict[str, Any]) -> Envelope:
    """The typed event (``LeadDecisionEvent`` ...) of a parsed document."""
    key = (document.get("type"), document.get("schema_version"))
    cls = EVENTS.get(key)  # type: ignore[arg-type]  # any JSON may arrive
    if cls is None:
        raise UnreadableEvent("unknown_type", f"{key[0]} v{key[1]} is not in this kit's contract: upgrade the kit")
    try:
        return cls.model_validate(document)
    except ValidationError as exc:
        raise UnreadableEvent("invalid_payload", str(exc).splitlines()[0]) from exc
