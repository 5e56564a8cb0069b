"""Sending already-serialised records to Kafka; the outbox relay and the dead-letter path use it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

from faststream.kafka import KafkaBroker


@dataclass(frozen=True)
class Record:
    topic: str
    key: bytes | None
    value: bytes
    headers: dict[str, str]


class RecordSender(Protocol):
    async def send(self, records: list[Record]) -> None:
        """Send all records and return once the broker has acknowledged every one of them."""


class BrokerSender:
    """Sends through a faststream broker, pipelining a batch and waiting for every acknowledgement."""

    def __init__(self, broker: KafkaBroker) -> None:
        self._broker = broker

    async def send(self, records: list[Record]) -> None:
        if not records:
            return
        pending = [
            await self._broker.publish(r.value, r.topic, key=r.key, headers=r.headers, no_confirm=True) for r in records
        ]
        # The in-memory test broker delivers at once and returns no future.
        await asyncio.gather(*(p for p in pending if p is not None))
