"""Who holds each lead, from registration's lock events: a won deal is settled only for that partner.

The ERP names a deal's owner; settlement believes it only when it matches the partner registration
locked the lead for (issue 11: a deal cannot pay someone who does not hold the lead). Lock events and
deals travel on different topics, so a deal may arrive a moment before its lead's lock: it is retried
(not refused) until the consumer's attempts run out.
"""

from __future__ import annotations

from referee_shared.events.deals import DealClosed, DealOutcome
from referee_shared.events.envelope import Envelope
from referee_shared.events.leads import LockChange, LockChanged
from referee_shared.kafka.consumer import Unprocessable
from referee_shared.outbox import Transactions

from ..store import LeadHolder, SettlementRepository

CONSUMER = "settlement.holders"

ACTIVE, COMPLETED, ENDED, TRANSFERRED = "active", "completed", "ended", "transferred"
_STATUS = {
    LockChange.GRANTED: ACTIVE,
    LockChange.REMINDER: ACTIVE,
    LockChange.EXTENDED: ACTIVE,
    LockChange.COMPLETED: COMPLETED,
    LockChange.EXPIRED: ENDED,
    LockChange.RELEASED: ENDED,
    LockChange.TRANSFERRED: ACTIVE,
}
# Registration completes the lock when it takes the won deal, so "completed" may be seen before the deal.
_MAY_WIN = frozenset({ACTIVE, COMPLETED})


class LeadNotSeen(Exception):
    """The deal names a lead settlement has not (yet) seen locked; retried, then dead-lettered."""


class LeadHolders:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def lock_changed(self, event: Envelope[LockChanged]) -> None:
        change = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            repo = SettlementRepository(tx.session)
            if change.change is LockChange.TRANSFERRED and change.previous_lead_id is not None:
                previous = await repo.lead_holder(change.previous_lead_id)
                if previous is not None:
                    previous.lock_status, previous.changed_at = TRANSFERRED, change.at
            holder = await repo.lead_holder(change.lead_id)
            if holder is None:
                repo.add(
                    LeadHolder(
                        lead_id=change.lead_id, partner_id=change.partner_id, lock_status="", changed_at=change.at
                    )
                )
                holder = await repo.lead_holder(change.lead_id)
                assert holder is not None
            holder.partner_id, holder.lock_status, holder.changed_at = (
                change.partner_id,
                _STATUS[change.change],
                change.at,
            )


async def check_deal(repo: SettlementRepository, closed: DealClosed) -> None:
    """Refuse a deal for a lead nobody locked, or a won deal whose owner is not the lead's lock holder."""
    holder = await repo.lead_holder(closed.lead_id)
    if holder is None:
        raise LeadNotSeen(
            f"unknown_lead: deal {closed.deal_id} names lead {closed.lead_id}, which registration never locked"
        )
    if closed.outcome is not DealOutcome.WON:
        return
    if closed.owner_id != holder.partner_id:
        raise Unprocessable(
            f"owner_not_lock_holder: deal {closed.deal_id} names {closed.owner_id} as owner of lead "
            f"{closed.lead_id}, which {holder.partner_id} holds"
        )
    if holder.lock_status not in _MAY_WIN:
        raise Unprocessable(
            f"lock_not_held: deal {closed.deal_id} is won on lead {closed.lead_id}, whose lock was "
            f"{holder.lock_status}; a ruling that moved the customer made a new lead for the new holder"
        )
