"""An example partner portal on the client kit: register customers, hear Referee's decisions, read a lead.

Run against a local Referee (`make demo` prints the trust folder and a partner token):

    REFEREE_TRUST_DIR=.referee/trust REFEREE_TOKEN=<partner token> python -m examples.partner_portal
"""

from __future__ import annotations

import asyncio
import os
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from referee_client import REASONS, RefereeConsumer, RefereeHttp, RefereeProducer, Signer, Verifier
from referee_client.contract import CustomerIdentity, Envelope, LeadDecisionEvent, LeadSubmitted


class PartnerPortal:
    """Publishes registrations as the portal gateway and waits for each one's final decision."""

    def __init__(self, producer: RefereeProducer, decisions: RefereeConsumer, registration: RefereeHttp) -> None:
        self.producer = producer
        self.decisions = decisions
        self.registration = registration
        self._waiting: dict[UUID, asyncio.Future[LeadDecisionEvent]] = {}
        self._handled: set[UUID] = set()  # a real portal keeps these ids in its database
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.producer.start()
        self._task = asyncio.create_task(self.decisions.run(self._on_event))

    async def stop(self) -> None:
        self.decisions.stop()
        if self._task is not None:
            await self._task
        await self.producer.stop()
        await self.registration.aclose()

    async def _on_event(self, event: Envelope) -> None:
        if event.event_id in self._handled or not isinstance(event, LeadDecisionEvent):
            return
        self._handled.add(event.event_id)
        waiting = self._waiting.get(event.payload.lead_id)
        # A held registration gets a second, final decision when a reviewer decides: wait for that one.
        if waiting is not None and not waiting.done() and event.payload.outcome != "held":
            waiting.set_result(event)

    async def register(self, submission: LeadSubmitted, *, wait_seconds: float = 60) -> LeadDecisionEvent:
        """Publish a registration and return Referee's final decision on it."""
        waiting = self._waiting.setdefault(submission.lead_id, asyncio.get_running_loop().create_future())
        await self.producer.send(submission, correlation_id=f"portal-{submission.lead_id}")
        return await asyncio.wait_for(waiting, wait_seconds)

    async def lead(self, lead_id: UUID) -> dict[str, Any]:
        return await self.registration.lead(lead_id)


def explain(decision: LeadDecisionEvent) -> str:
    """What the portal shows the partner: the outcome, the catalogued meaning (中文) and Referee's own words."""
    known = REASONS.get(decision.payload.reason_code)
    meaning = known.zh if known is not None else decision.payload.reason_code
    return f"{decision.payload.outcome}: {meaning} — {decision.payload.reason}"


async def main() -> None:
    trust = Path(os.environ.get("REFEREE_TRUST_DIR", ".referee/trust"))
    kafka = os.environ.get("REFEREE_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
    token = os.environ["REFEREE_TOKEN"]

    async def bearer() -> str:
        return token

    portal = PartnerPortal(
        RefereeProducer(kafka, Signer.from_pem("partner-portal", trust / "keys" / "partner-portal.pem")),
        RefereeConsumer(
            kafka,
            ["leads.decisions"],
            "example-portal",
            Verifier.from_registry(trust / "producers.json", producers=["registration"]),
        ),
        RefereeHttp(os.environ.get("REFEREE_REGISTRATION_URL", "http://127.0.0.1:8001"), bearer),
    )
    await portal.start()
    try:
        submission = LeadSubmitted(
            lead_id=uuid.uuid4(),
            partner_id=os.environ.get("REFEREE_PARTNER_ID", "dealer-hangzhou"),
            channel="dealer",
            customer=CustomerIdentity(name="杭州滨江建设有限公司", province="浙江省", city="杭州市"),
            product_line="tiles",
            estimated_amount=Decimal("250000"),
        )
        decision = await portal.register(submission)
        print(explain(decision))
        print(await portal.lead(submission.lead_id))
    finally:
        await portal.stop()


if __name__ == "__main__":
    asyncio.run(main())
