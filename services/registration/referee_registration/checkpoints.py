"""Anchoring the evidence trail outside the database: every change of a chain publishes its new head.

The checkpoint leaves in the same transaction as the records (through the outbox), signed with registration's
key like everything it emits. Whoever rewrites the database and recomputes every hash still cannot produce
checkpoints that match: ``referee evidence verify`` compares the chain with them and names the difference.
"""

from __future__ import annotations

from collections.abc import Sequence

from referee_shared.events.evidence import EvidenceCheckpoint
from referee_shared.outbox import Transaction
from referee_shared.topics import EVIDENCE_CHECKPOINTS

from .store import EvidenceRecord


async def checkpoint(tx: Transaction, chain: str, appended: Sequence[EvidenceRecord]) -> None:
    """Publish the chain's head after ``appended`` (the records just chained, in order)."""
    if not appended:
        return
    head = appended[-1]
    payload = EvidenceCheckpoint(chain=chain, seq=head.seq, hash=head.hash, at=head.recorded_at)
    await tx.emit(EVIDENCE_CHECKPOINTS, chain, payload)
