"""Which rulings registration acts on (issue 11: "a ruling is acted on only if it matches an open dispute
decided by an authorised arbiter").

Arbitration announces every step of a dispute on disputes.events; registration keeps what it needs:
whether the dispute was opened (not refused), its parties, and each ruling step with who took it at
which level. A ruling on disputes.rulings moves a lock only when:

- its dispute was opened (a made-up id is ``unknown_dispute``; refused or already acted on is
  ``dispute_not_open``);
- a ruling step announced it: same arbiter, outcome and level (``ruling_not_announced``);
- the arbiter is not a party to the dispute (``arbiter_not_authorised``);
- the lead it moves is held by a party, and a transfer goes to a party (``not_a_party``).

Steps and rulings travel on different topics: a ruling that arrives before its steps is retried, not
refused, until the consumer's attempts run out.
"""

from __future__ import annotations

from referee_shared.events.disputes import DisputeProgressed, DisputeRuling, DisputeStep
from referee_shared.events.envelope import Envelope
from referee_shared.kafka.consumer import Unprocessable
from referee_shared.outbox import Transaction, Transactions

from ..store import LeadRepository
from .store import DisputeSeen, dispute_seen

CONSUMER = "registration.disputes"
OPEN, REFUSED, ACTED_ON = "open", "refused", "acted_on"
REDACTED = "respondent"


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
            if step.step is DisputeStep.REFUSED:
                seen.status = REFUSED
            if step.step is DisputeStep.OPENED:  # each party's copy; the claimant's does not name the respondent
                seen.parties = sorted({*seen.parties, *step.parties} - {REDACTED})
            if step.step is DisputeStep.RULED and step.outcome is not None and step.level is not None:
                ruled = {"by": step.actor, "outcome": step.outcome.value, "level": step.level}
                seen.rulings = [*seen.rulings, ruled]
            seen.updated_at = step.at


async def check_ruling(tx: Transaction, ruling: DisputeRuling) -> None:
    """Refuse (Unprocessable) a ruling that does not match an open dispute ruled by an authorised arbiter."""
    seen = await dispute_seen(tx.session, ruling.dispute_id)
    if seen is None:
        raise RulingNotYetAnnounced(
            f"unknown_dispute: ruling names dispute {ruling.dispute_id}, which arbitration never opened"
        )
    if seen.status != OPEN:
        raise Unprocessable(f"dispute_not_open: dispute {ruling.dispute_id} is {seen.status}")
    announced = {"by": ruling.decided_by, "outcome": ruling.outcome.value, "level": ruling.level}
    if announced not in seen.rulings:
        raise RulingNotYetAnnounced(
            f"ruling_not_announced: no {ruling.outcome.value} ruling by {ruling.decided_by} at level "
            f"{ruling.level} was announced on dispute {ruling.dispute_id}"
        )
    if ruling.decided_by in seen.parties:
        raise Unprocessable(
            f"arbiter_not_authorised: {ruling.decided_by} is a party to dispute {ruling.dispute_id} "
            "and may not rule on it"
        )
    lead = await LeadRepository(tx.session).get(ruling.lead_id) if ruling.lead_id else None
    if lead is not None and lead.partner_id not in seen.parties:
        raise Unprocessable(
            f"not_a_party: lead {ruling.lead_id} is held by {lead.partner_id}, "
            f"not a party to dispute {ruling.dispute_id}"
        )
    if ruling.new_holder_id is not None and ruling.new_holder_id not in seen.parties:
        raise Unprocessable(
            f"not_a_party: the ruling gives the customer to {ruling.new_holder_id}, "
            f"not a party to dispute {ruling.dispute_id}"
        )


async def acted_on(tx: Transaction, ruling: DisputeRuling) -> None:
    """A dispute is ruled once: the next ruling on it (a replay with a new event id) is refused."""
    seen = await dispute_seen(tx.session, ruling.dispute_id)
    if seen is not None:
        seen.status = ACTED_ON
