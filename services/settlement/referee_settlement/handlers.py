"""Settlement's Kafka subscribers: hand each decoded event to its use case, nothing else."""

from __future__ import annotations

from referee_shared.events.deals import DealClosed, DealReversed
from referee_shared.events.disputes import DisputeProgressed, DisputeRuling
from referee_shared.events.envelope import Envelope
from referee_shared.events.leads import LockChanged
from referee_shared.events.partners import PartnerChanged
from referee_shared.events.settlements import SettlementPayment
from referee_shared.kafka.consumer import Delivery, EventConsumer
from referee_shared.topics import (
    DEALS_CLOSED,
    DISPUTES_EVENTS,
    DISPUTES_RULINGS,
    LEADS_LOCKS,
    PARTNERS_REGISTRY,
    SETTLEMENTS_PAYMENTS,
)

from .usecases import LeadHolders, Settlement
from .usecases.trusted import TrustedRecords


def register_handlers(
    consumer: EventConsumer, settlement: Settlement, holders: LeadHolders, trusted: TrustedRecords
) -> None:
    async def on_deal(event: Envelope[DealClosed | DealReversed], _delivery: Delivery) -> None:
        await settlement.deal_event(event)

    async def on_ruling(event: Envelope[DisputeRuling], _delivery: Delivery) -> None:
        await settlement.ruling(event)

    async def on_payment(event: Envelope[SettlementPayment], _delivery: Delivery) -> None:
        await settlement.payment(event)

    async def on_lock(event: Envelope[LockChanged], _delivery: Delivery) -> None:
        await holders.lock_changed(event)

    consumer.on(DEALS_CLOSED, on_deal)
    consumer.on(DISPUTES_RULINGS, on_ruling)
    consumer.on(SETTLEMENTS_PAYMENTS, on_payment)
    consumer.on(LEADS_LOCKS, on_lock)

    async def on_dispute_step(event: Envelope[DisputeProgressed], _delivery: Delivery) -> None:
        await trusted.dispute_progressed(event)

    async def on_partner(event: Envelope[PartnerChanged], _delivery: Delivery) -> None:
        await trusted.partner_changed(event)

    consumer.on(DISPUTES_EVENTS, on_dispute_step)
    consumer.on(PARTNERS_REGISTRY, on_partner)
