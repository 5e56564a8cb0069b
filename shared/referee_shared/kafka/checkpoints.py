"""Reading evidence.checkpoints whole: every chain head registration published, kept only if its signature holds.

Used by ``referee evidence verify`` and by arbitration's verifier: a checkpoint is believed only when
registration's key (from the producer registry) signed it, so a forged one is reported, never trusted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from ..events.catalog import UndecodableMessage, decode
from ..events.evidence import EvidenceCheckpoint
from ..topics import EVIDENCE_CHECKPOINTS
from ..trust.registry import ProducerRegistry
from ..trust.signing import MessageVerifier

REGISTRATION = "registration"


@dataclass
class Checkpoints:
    """Signed chain heads by chain (every one read, oldest first), and what was refused with the reason."""

    by_chain: dict[str, list[EvidenceCheckpoint]] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)

    def of(self, chain: str) -> list[EvidenceCheckpoint]:
        return self.by_chain.get(chain, [])

    def take(self, raw: bytes, verifier: MessageVerifier | None) -> None:
        try:
            event = decode(EVIDENCE_CHECKPOINTS, raw)
            if verifier is not None:
                verifier.check(EVIDENCE_CHECKPOINTS.name, raw, event, partner_checked=False)
                if event.producer != REGISTRATION:
                    raise UndecodableMessage(f"may_not_write: only registration anchors chains, not {event.producer}")
        except UndecodableMessage as exc:
            self.refused.append(exc.reason)
            return
        self.by_chain.setdefault(event.payload.chain, []).append(event.payload)


async def read_checkpoints(
    bootstrap: str,
    topic_prefix: str,
    registry: ProducerRegistry | None,
    *,
    client_options: dict[str, Any] | None = None,
    timeout_ms: int = 2000,
) -> Checkpoints:
    """Read the topic from its start to its current end (no consumer group); None registry = signatures unchecked."""
    found = Checkpoints()
    verifier = MessageVerifier(registry) if registry is not None else None
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, **(client_options or {}))
    await consumer.start()
    try:
        name = EVIDENCE_CHECKPOINTS.full_name(topic_prefix)
        await consumer._client.force_metadata_update()
        partitions = [TopicPartition(name, p) for p in sorted(consumer.partitions_for_topic(name) or set())]
        if not partitions:
            found.refused.append(f"no topic {name}: nothing was ever anchored on this install")
            return found
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        remaining = {tp for tp in partitions if ends[tp] > 0}
        while remaining:
            batches = await consumer.getmany(*remaining, timeout_ms=timeout_ms)
            if not batches:
                break
            for tp, records in batches.items():
                for record in records:
                    if isinstance(record.value, bytes):
                        found.take(record.value, verifier)
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
    finally:
        await consumer.stop()
    return found
