"""What settlement does: take in closed deals and payment reports."""

from __future__ import annotations

from typing import Any

from referee_shared.events.deals import DealClosed
from referee_shared.events.envelope import Envelope
from referee_shared.events.settlements import SettlementPayment
from referee_shared.outbox import Transactions

from .store import Deal, PaymentReport

CONSUMER = "settlement"


class Settlement:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def deal_event(self, event: Envelope[Any]) -> None:
        if not isinstance(event.payload, DealClosed):
            return
        closed = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            if await tx.session.get(Deal, closed.deal_id) is not None:
                return
            tx.session.add(
                Deal(
                    deal_id=closed.deal_id,
                    lead_id=closed.lead_id,
                    outcome=closed.outcome.value,
                    amount=closed.amount,
                    currency=closed.currency,
                    closed_at=closed.closed_at,
                    contributors=[c.model_dump(mode="json") for c in closed.contributors],
                    received_at=tx.clock.now(),
                )
            )

    async def payment(self, event: Envelope[Any]) -> None:
        report: SettlementPayment = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            if await tx.session.get(PaymentReport, report.payment_id) is not None:
                return
            tx.session.add(
                PaymentReport(
                    payment_id=report.payment_id,
                    statement_id=report.statement_id,
                    line_id=report.line_id,
                    status=report.status.value,
                    amount=report.amount,
                    reference=report.reference,
                    failure_reason=report.failure_reason,
                    reported_at=report.reported_at,
                    received_at=tx.clock.now(),
                )
            )
