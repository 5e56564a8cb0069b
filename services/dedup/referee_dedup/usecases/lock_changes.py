"""Claims kept in step with the leads' locks: expiry and release free the customer for others."""

from __future__ import annotations

from referee_shared.events.envelope import Envelope
from referee_shared.events.leads import LockChange, LockChanged
from referee_shared.outbox import Transactions

from ..store import CustomerRepository
from .records import CONSUMER


class LockChanges:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def apply(self, event: Envelope[LockChanged]) -> None:
        """Follow a lock's change on the claim it protects; a change of another lead's lock is ignored."""
        change = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            claim = await CustomerRepository(tx.session).claim(change.customer_key)
            if claim is None:
                return
            if change.change is LockChange.TRANSFERRED:
                claim.lead_id, claim.partner_id, claim.status = change.lead_id, change.partner_id, "active"
                claim.protected_until = change.expires_at
                return
            if claim.lead_id != change.lead_id:
                return
            if change.change in (LockChange.EXPIRED, LockChange.RELEASED):
                claim.status = "released"
                # A released claim keeps when its protection really ended: the cooling-off counts from it.
                claim.protected_until = min(claim.protected_until, change.at)
            elif change.change in (LockChange.GRANTED, LockChange.EXTENDED):
                claim.protected_until = change.expires_at
            elif change.change is LockChange.COMPLETED:
                claim.status = "completed"
