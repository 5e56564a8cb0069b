"""Decoding raw Kafka values into typed envelopes, with a clear reason when that is impossible."""

from __future__ import annotations

import json
from typing import cast

from pydantic import ValidationError

from ..topics import Topic
from .envelope import Envelope, P, Payload


class UndecodableMessage(Exception):
    """A message no consumer can act on; the reason goes to the dead-letter record."""

    def __init__(self, reason: str, code: str = "invalid_payload") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors()[:5]:
        where = ".".join(str(p) for p in item["loc"]) or "(root)"
        parts.append(f"{where}: {item['msg']}")
    more = f" (+{error.error_count() - 5} more)" if error.error_count() > 5 else ""
    return "; ".join(parts) + more


def decode(topic: Topic[P], raw: bytes | None) -> Envelope[P]:
    """Parse and validate a message of ``topic``; raise UndecodableMessage saying what is wrong.

    Whatever the bytes, the only exception is UndecodableMessage: a value the parser cannot hold (an
    integer past Python's digit limit, nesting past the recursion limit) is as undecodable as a typo.
    """
    if raw is None:
        raise UndecodableMessage("no value (a tombstone): every message must carry an event", "tombstone")
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UndecodableMessage(f"not JSON: {exc}", "not_json") from exc
    except RecursionError as exc:
        raise UndecodableMessage("not JSON this service can read: nested too deeply", "not_json") from exc
    except (ValueError, TypeError, MemoryError) as exc:
        raise UndecodableMessage(f"not JSON this service can read: {str(exc)[:200]}", "not_json") from exc
    if not isinstance(document, dict):
        raise UndecodableMessage("not a JSON object", "not_an_object")
    event_type, version = document.get("type"), document.get("schema_version")
    candidates: list[type[Payload]] = [p for p in topic.payloads if p.event_type == event_type]
    if not candidates:
        known = ", ".join(sorted(p.event_type for p in topic.payloads))
        raise UndecodableMessage(
            f"unknown event type {event_type!r} on {topic.name}; expected one of: {known}", "unknown_type"
        )
    model = _version(candidates, str(event_type), version)
    try:
        return cast(Envelope[P], Envelope[model].model_validate(document))  # type: ignore[valid-type]
    except ValidationError as exc:
        raise UndecodableMessage(f"invalid {event_type} v{version}: {_describe(exc)}") from exc
    except (RecursionError, ValueError, TypeError, ArithmeticError) as exc:
        raise UndecodableMessage(f"invalid {event_type} v{version}: {str(exc)[:200]}") from exc


def _version(candidates: list[type[Payload]], event_type: str, version: object) -> type[Payload]:
    for model in candidates:
        if model.schema_version == version:
            return model
    supported = ", ".join(str(m.schema_version) for m in candidates)
    raise UndecodableMessage(
        f"unknown schema version {version!r} for {event_type}; supported: {supported}", "unknown_version"
    )
