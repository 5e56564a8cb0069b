"""An example finance connector on the client kit: read statements, pay each line, report the payments.

A failed payment is reported as failed; Referee asks for it again (``settlement.payment-retry``) until
its rules give up and flag it (``settlement.payment-flagged``), which this connector leaves to a person.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from referee_client import RefereeConsumer, RefereeProducer, Signer, Verifier
from referee_client.contract import (
    Envelope,
    PaymentFlaggedEvent,
    PaymentRetryRequestedEvent,
    SettlementPayment,
    SettlementStatementEvent,
)

Bank = Callable[[str, Decimal, UUID], Awaitable[str | None]]
"""Pays ``amount`` to a party for a statement line: the bank's reference, or None when the payment failed."""


class FinanceConnector:
    def __init__(self, statements: RefereeConsumer, payments: RefereeProducer, bank: Bank) -> None:
        self.statements = statements
        self.payments = payments
        self.bank = bank
        self.flagged: list[PaymentFlaggedEvent] = []
        self._handled: set[UUID] = set()  # a real connector keeps these ids with its payment records
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.payments.start()
        self._task = asyncio.create_task(self.statements.run(self._on_event))

    async def stop(self) -> None:
        self.statements.stop()
        if self._task is not None:
            await self._task
        await self.payments.stop()

    async def _on_event(self, event: Envelope) -> None:
        if event.event_id in self._handled:
            return
        if isinstance(event, SettlementStatementEvent) and event.payload.kind == "original":
            for line in event.payload.lines:
                await self._pay(event.payload.statement_id, line.line_id, line.party_id, line.amount, event)
        elif isinstance(event, PaymentRetryRequestedEvent):
            p = event.payload
            await self._pay(p.statement_id, p.line_id, p.party_id, p.amount, event)
        elif isinstance(event, PaymentFlaggedEvent):
            self.flagged.append(event)
        self._handled.add(event.event_id)

    async def _pay(self, statement_id: UUID, line_id: UUID, party: str, amount: Decimal, cause: Envelope) -> None:
        reference = await self.bank(party, amount, line_id)
        report = SettlementPayment(
            payment_id=f"pay-{cause.event_id.hex[:12]}-{line_id.hex[:8]}",  # the same cause pays the same id
            statement_id=statement_id,
            line_id=line_id,
            status="paid" if reference is not None else "failed",
            amount=amount,
            reference=reference or "",
            failure_reason="" if reference is not None else "the bank refused the transfer",
            reported_at=datetime.now(UTC),
        )
        await self.payments.send(report, correlation_id=cause.correlation_id)


async def main() -> None:
    trust = Path(os.environ.get("REFEREE_TRUST_DIR", ".referee/trust"))
    kafka = os.environ.get("REFEREE_KAFKA_BOOTSTRAP", "127.0.0.1:9092")

    async def bank(party: str, amount: Decimal, line: UUID) -> str:
        print(f"paying ¥{amount:,.2f} to {party} for line {line}")
        return f"BANK-{line.hex[:10]}"

    connector = FinanceConnector(
        RefereeConsumer(
            kafka,
            ["settlements.statements"],
            "example-finance",
            Verifier.from_registry(trust / "producers.json", producers=["settlement"]),
        ),
        RefereeProducer(kafka, Signer.from_pem("finance", trust / "keys" / "finance.pem")),
        bank,
    )
    await connector.start()
    try:
        await asyncio.Event().wait()
    finally:
        await connector.stop()


if __name__ == "__main__":
    asyncio.run(main())
