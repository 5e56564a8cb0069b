"""The registrations arbitration hears of: their region, channel and product line (from leads.submitted)
and whether they were accepted (from leads.decisions). Disputes are counted against them."""

from __future__ import annotations

from referee_shared.events.envelope import Envelope
from referee_shared.events.leads import LeadDecision, LeadSubmitted
from referee_shared.outbox import Transactions
from referee_shared.regions import region_key

from ..store import RegistrationRepository

CONSUMER = "arbitration.registrations"


class Registrations:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def submitted(self, event: Envelope[LeadSubmitted]) -> None:
        submitted = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            seen = await RegistrationRepository(tx.session).get_or_add(submitted.lead_id)
            seen.partner_id, seen.channel = submitted.partner_id, submitted.channel.value
            seen.product_line, seen.region = submitted.product_line, region_key(submitted.customer)

    async def decided(self, event: Envelope[LeadDecision]) -> None:
        decision = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            seen = await RegistrationRepository(tx.session).get_or_add(decision.lead_id)
            seen.partner_id = seen.partner_id or decision.partner_id
            seen.outcome, seen.decided_at = decision.outcome.value, decision.decided_at
