"""What settlement checks a ruling and a deal's channels against (issue 11): the disputes arbitration announced on
disputes.events, and each partner's channel from the partner registry (partners.registry).

A ruling moves credit only under the checks of ``referee_shared.rulings`` (the same registration makes before it
moves a lock). A won deal's owner channel, and each contributor's channel, is the one the partner's record says:
the ERP naming a dealer ``direct`` to route it to another share is refused ``channel_mismatch``.
"""

from __future__ import annotations

from referee_shared.events.deals import DealClosed, DealOutcome
from referee_shared.events.disputes import DisputeProgressed, DisputeRuling
from referee_shared.events.envelope import Envelope
from referee_shared.events.partners import PartnerChanged
from referee_shared.kafka.consumer import Unprocessable
from referee_shared.kafka.retry import NotYet
from referee_shared.outbox import Transactions
from referee_shared.rulings import ACTED_ON, OPEN, hear, ruling_refusal

from ..store import DisputeHeard, PartnerChannel, SettlementRepository

CONSUMER = "settlement.trusted"


class TrustedRecords:
    """Keeps settlement's copy of the disputes announced and of the partners' channels."""

    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def dispute_progressed(self, event: Envelope[DisputeProgressed]) -> None:
        step = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            repo = SettlementRepository(tx.session)
            heard = await repo.dispute_heard(step.dispute_id)
            if heard is None:
                heard = DisputeHeard(
                    dispute_id=step.dispute_id, status=OPEN, parties=[], rulings=[], updated_at=step.at
                )
                repo.add(heard)
            hear(heard, step)
            heard.updated_at = step.at

    async def partner_changed(self, event: Envelope[PartnerChanged]) -> None:
        record = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            repo = SettlementRepository(tx.session)
            known = await repo.partner_channel(record.partner_id)
            if known is None:
                repo.add(
                    PartnerChannel(
                        partner_id=record.partner_id, channel=record.channel.value, changed_at=record.changed_at
                    )
                )
            elif known.changed_at <= record.changed_at:  # a compacted topic read again never undoes a later change
                known.channel, known.changed_at = record.channel.value, record.changed_at


async def check_ruling(repo: SettlementRepository, ruling: DisputeRuling) -> None:
    """NotYet or Unprocessable unless the ruling matches an open dispute ruled by an authorised arbiter; marks the
    dispute acted on (a replay of the ruling under a new event id is refused)."""
    heard = await repo.dispute_heard(ruling.dispute_id)
    holder = await repo.lead_holder(ruling.lead_id) if ruling.lead_id else None
    refused = ruling_refusal(heard, ruling, holder.partner_id if holder is not None else None)
    if refused is not None and refused.later:
        raise NotYet(refused.reason, refused.code)
    if refused is not None:
        raise Unprocessable(refused.reason, refused.code)
    assert heard is not None
    heard.status = ACTED_ON


async def check_channels(repo: SettlementRepository, closed: DealClosed) -> None:
    """Refuse a won deal whose owner's channel, or a contributor's, is not what the partner registry says."""
    if closed.outcome is not DealOutcome.WON or closed.owner_id is None:
        return
    owner = await repo.partner_channel(closed.owner_id)
    if owner is None:
        raise NotYet(
            f"unknown_partner: deal {closed.deal_id} is owned by {closed.owner_id}, whose record settlement has "
            "not read from the partner registry",
            "unknown_partner",
        )
    declared = [(closed.owner_id, closed.owner_channel.value if closed.owner_channel else None, "owner")]
    declared += [(c.party_id, c.channel.value, "contributor") for c in closed.contributors]
    for party_id, channel, role in declared:
        known = owner if party_id == closed.owner_id else await repo.partner_channel(party_id)
        if known is not None and channel != known.channel:
            raise Unprocessable(
                f"channel_mismatch: deal {closed.deal_id} declares {role} {party_id} as {channel}; the partner "
                f"registry says {known.channel}",
                "channel_mismatch",
            )
