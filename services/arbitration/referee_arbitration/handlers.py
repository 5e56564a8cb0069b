"""Arbitration's Kafka subscribers."""

from __future__ import annotations

from referee_shared.events.disputes import DisputeOpened
from referee_shared.events.envelope import Envelope
from referee_shared.events.evidence import EvidenceCheckpoint
from referee_shared.events.leads import LeadDecision, LeadSubmitted
from referee_shared.kafka.consumer import Delivery, EventConsumer
from referee_shared.topics import DISPUTES_OPENED, EVIDENCE_CHECKPOINTS, LEADS_DECISIONS, LEADS_SUBMITTED

from .usecases.anchors import Anchors
from .usecases.opening import Opening
from .usecases.registrations import Registrations


def register_handlers(
    consumer: EventConsumer, opening: Opening, registrations: Registrations, anchors: Anchors
) -> None:
    async def on_opened(event: Envelope[DisputeOpened], _delivery: Delivery) -> None:
        await opening.opened(event)

    async def on_submitted(event: Envelope[LeadSubmitted], _delivery: Delivery) -> None:
        await registrations.submitted(event)

    async def on_decided(event: Envelope[LeadDecision], _delivery: Delivery) -> None:
        await registrations.decided(event)

    consumer.on(DISPUTES_OPENED, on_opened)
    consumer.on(LEADS_SUBMITTED, on_submitted)

    async def on_checkpoint(event: Envelope[EvidenceCheckpoint], _delivery: Delivery) -> None:
        await anchors.checkpointed(event)

    consumer.on(LEADS_DECISIONS, on_decided)
    consumer.on(EVIDENCE_CHECKPOINTS, on_checkpoint)
