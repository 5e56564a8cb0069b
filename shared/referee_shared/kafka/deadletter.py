"""Dead-letter records: what could not be processed, where it came from, and why."""

from __future__ import annotations

import base64
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, Field

from ..reasons import DEAD_LETTER, enumerated

# A dead letter must fit in one Kafka record whatever it carries: the original value is kept up to this
# many bytes (escaped as JSON it can grow, and the broker refuses records past 1 MiB), its size always.
KEPT_VALUE_BYTES = 256 * 1024
KEPT_REASON_CHARS = 2000


class DeadLetter(BaseModel):
    """The record written to a consumer's dead-letter topic instead of crashing or losing the message."""

    consumer: str
    reason: str
    reason_code: str = Field(default="unprocessable", json_schema_extra=enumerated(DEAD_LETTER, "why, as a code"))
    failed_at: AwareDatetime
    source_topic: str
    partition: int
    offset: int
    key: str | None
    value_text: str | None = None
    value_base64: str | None = None
    headers: dict[str, str]
    attempts: int = 1
    value_size: int | None = None
    """bytes of the original value (None for a tombstone); value_text/value_base64 hold at most the first
    KEPT_VALUE_BYTES of it"""

    @classmethod
    def of(
        cls,
        *,
        consumer: str,
        reason: str,
        failed_at: datetime,
        reason_code: str = "unprocessable",
        topic: str,
        partition: int,
        offset: int,
        key: bytes | None,
        value: bytes | None,
        headers: dict[str, str],
        attempts: int = 1,
    ) -> DeadLetter:
        kept = value[:KEPT_VALUE_BYTES] if value is not None else None
        text: str | None = None
        b64: str | None = None
        if kept is not None:
            try:
                text = kept.decode("utf-8")
            except UnicodeDecodeError:
                b64 = base64.b64encode(kept).decode()
        return cls(
            consumer=consumer,
            reason=reason[:KEPT_REASON_CHARS],
            reason_code=reason_code,
            failed_at=failed_at,
            source_topic=topic,
            partition=partition,
            offset=offset,
            key=key.decode("utf-8", "replace") if key is not None else None,
            value_text=text,
            value_base64=b64,
            headers=headers,
            attempts=attempts,
            value_size=len(value) if value is not None else None,
        )
