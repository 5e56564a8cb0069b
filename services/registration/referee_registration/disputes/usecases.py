"""Which rulings registration acts on: the checks of ``referee_shared.rulings`` against the disputes registration
heard on disputes.events, and the lead's holder from its own records.

Steps and rulings travel on different topics: a ruling that arrives before its steps is retried, not
refused, until the consumer's attempts run out.
"""

from __future__ import annotations

from referee_shared.events.disputes import DisputeProgressed, DisputeRuling
from referee_shared.events.envelope import Envelope
from referee_shared.kafka.consumer import Unprocessable
from referee_shared.outbox import Transaction, Transactions
from referee_shared.rulings import ACTED_ON, OPEN, hear, ruling_refusal

from ..store import LeadRepository
from .store import DisputeSeen, dispute_seen

CONSUMER = "registration.disputes"


class RulingNotYetAnnounced(Exception):
    """The ruling's dispute or step has not been read from disputes.events yet; retried, then dead-lettered."""


class DisputesHeard:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def progressed(self, event: Envelope[DisputeProgressed]) -> None:
        step = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            seen = await dispute_seen(tx.session, step.dispute_id)
            if seen is None:
                seen = DisputeSeen(dispute_id=step.dispute_id, status=OPEN, parties=[], rulings=[], updated_at=step.at)
                tx.session.add(seen)
            hear(seen, step)
            seen.updated_at = step.at


async def check_ruling(tx: Transaction, ruling: DisputeRuling) -> None:
    """Refuse (Unprocessable) a ruling that does not match an open dispute ruled by an authorised arbiter."""
    seen = await dispute_seen(tx.session, ruling.dispute_id)
    lead = await LeadRepository(tx.session).get(ruling.lead_id) if ruling.lead_id else None
    refused = ruling_refusal(seen, ruling, lead.partner_id if lead is not None else None)
    if refused is None:
        return
    if refused.later:
        raise RulingNotYetAnnounced(refused.reason)
    raise Unprocessable(refused.reason)


async def acted_on(tx: Transaction, ruling: DisputeRuling) -> None:
    """A dispute is ruled once: the next ruling on it (a replay with a new event id) is refused."""
    seen = await dispute_seen(tx.session, ruling.dispute_id)
    if seen is not None:
        seen.status = ACTED_ON
