"""What arbitration does: take in disputes."""

from __future__ import annotations

from typing import Any

from referee_shared.events.disputes import DisputeOpened
from referee_shared.events.envelope import Envelope
from referee_shared.outbox import Transactions

from .store import Dispute

CONSUMER = "arbitration"


class Arbitration:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def opened(self, event: Envelope[Any]) -> None:
        opened: DisputeOpened = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            if await tx.session.get(Dispute, opened.dispute_id) is not None:
                return
            tx.session.add(
                Dispute(
                    dispute_id=opened.dispute_id,
                    opened_by=opened.opened_by.value,
                    claimant_id=opened.claimant_id,
                    respondent_ids=list(opened.respondent_ids),
                    lead_id=opened.lead_id,
                    customer_key=opened.customer_key,
                    claim=opened.claim,
                    attachments=[a.model_dump() for a in opened.attachments],
                    status="open",
                    opened_at=tx.clock.now(),
                    correlation_id=event.correlation_id,
                )
            )
