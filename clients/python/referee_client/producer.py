"""Publishing to Referee: the right topic and key, a signed envelope, retries that keep the event id."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from uuid import UUID

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from pydantic import BaseModel

from .events import envelope_document, input_topic
from .signing import Signer

log = logging.getLogger(__name__)


class RefereeProducer:
    """Sends payloads of the contract as ``signer``'s producer id.

    Safe to retry: Referee ignores a second delivery of the same ``event_id``, so a send that failed or
    timed out is sent again with the same document (the same id, the same signature).
    """

    def __init__(
        self,
        bootstrap_servers: str,
        signer: Signer,
        *,
        topic_prefix: str = "",
        attempts: int = 5,
        backoff_seconds: float = 0.5,
        **kafka: Any,
    ) -> None:
        self._signer = signer
        self._prefix = topic_prefix
        self._attempts = attempts
        self._backoff = backoff_seconds
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers, acks="all", enable_idempotence=True, **kafka
        )

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def __aenter__(self) -> RefereeProducer:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    async def send(
        self, payload: BaseModel, *, correlation_id: str | None = None, event_id: UUID | None = None
    ) -> dict[str, Any]:
        """Publish ``payload`` on its input topic, keyed as the contract says; returns the signed document."""
        topic = input_topic(payload)
        document = self._signer.sign(
            envelope_document(
                payload, producer=self._signer.producer_id, correlation_id=correlation_id, event_id=event_id
            )
        )
        key = str(document["payload"][topic.key])
        await self.send_document(topic.name, key, document)
        return document

    async def send_document(self, topic_name: str, key: str, document: dict[str, Any]) -> None:
        """Send an already signed document, retrying transient failures with the very same bytes."""
        value = json.dumps(document, ensure_ascii=False).encode()
        for attempt in range(1, self._attempts + 1):
            try:
                await self._producer.send_and_wait(f"{self._prefix}{topic_name}", value, key=key.encode())
                return
            except KafkaError as exc:
                if attempt == self._attempts:
                    raise
                log.warning("send of %s failed (attempt %d): %r; retrying", document["event_id"], attempt, exc)
                await asyncio.sleep(self._backoff * attempt)
