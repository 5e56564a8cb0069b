"""The chain heads registration signed on evidence.checkpoints, kept so a case file's trail is checked against
them: a trail rewritten in registration's database with every hash recomputed no longer matches."""

from __future__ import annotations

from sqlalchemy import select

from referee_shared.events.envelope import Envelope
from referee_shared.events.evidence import EvidenceCheckpoint
from referee_shared.outbox import Transactions

from ..domain.chain import Anchor
from ..store import ChainAnchor

CONSUMER = "arbitration.anchors"


class Anchors:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def checkpointed(self, event: Envelope[EvidenceCheckpoint]) -> None:
        """Keep the head (the consumer's admission already checked that registration signed it)."""
        head = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            if await tx.session.get(ChainAnchor, (head.chain, head.seq)) is None:
                tx.session.add(ChainAnchor(chain=head.chain, seq=head.seq, hash=head.hash, at=head.at))

    async def of(self, chain: str) -> list[Anchor]:
        async with self._tx.sessions() as session:
            query = select(ChainAnchor).where(ChainAnchor.chain == chain).order_by(ChainAnchor.seq)
            return [Anchor(row.seq, row.hash) for row in (await session.execute(query)).scalars()]
