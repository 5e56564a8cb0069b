"""Dead-letter records: what could not be processed, where it came from, and why."""

from __future__ import annotations

import base64
from datetime import datetime

from pydantic import AwareDatetime, BaseModel


class DeadLetter(BaseModel):
    """The record written to a consumer's dead-letter topic instead of crashing or losing the message."""

    consumer: str
    reason: str
    failed_at: AwareDatetime
    source_topic: str
    partition: int
    offset: int
    key: str | None
    value_text: str | None = None
    value_base64: str | None = None
    headers: dict[str, str]
    attempts: int = 1

    @classmethod
    def of(
        cls,
        *,
        consumer: str,
        reason: str,
        failed_at: datetime,
        topic: str,
        partition: int,
        offset: int,
        key: bytes | None,
        value: bytes,
        headers: dict[str, str],
        attempts: int = 1,
    ) -> DeadLetter:
        try:
            text, b64 = value.decode("utf-8"), None
        except UnicodeDecodeError:
            text, b64 = None, base64.b64encode(value).decode()
        return cls(
            consumer=consumer,
            reason=reason,
            failed_at=failed_at,
            source_topic=topic,
            partition=partition,
            offset=offset,
            key=key.decode("utf-8", "replace") if key is not None else None,
            value_text=text,
            value_base64=b64,
            headers=headers,
            attempts=attempts,
        )
