"""Keeping locks: a partner's extension request, and arbitration's rulings that transfer a customer.

What the lock workflow itself records lives in ``workflows/steps.py``.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from referee_shared.events.disputes import DisputeRuling, RulingOutcome
from referee_shared.events.envelope import Envelope
from referee_shared.kafka.retry import NotYet
from referee_shared.outbox import Transaction, Transactions

from ..disputes.usecases import acted_on, check_ruling
from ..domain.evidence import RecordKind
from ..ports import LockNotActive, LockScheduler, TransferRefused
from ..store import Lead, LeadRepository, Lock
from ..workflows.models import ExtensionRequest, ExtensionTicket, TransferOrder
from .recording import CONSUMER, append_evidence, iso

log = logging.getLogger(__name__)


class LeadNotFound(Exception):
    """No such lead, or not one the caller may see."""


class LockKeeping:
    def __init__(self, transactions: Transactions, locks: LockScheduler, *, cross_checks: bool = False) -> None:
        self._tx = transactions
        self._locks = locks
        self._cross_checks = cross_checks

    async def request_extension(
        self, lead_id: UUID, partner_id: str | None, *, days: int, reason: str, requested_by: str
    ) -> ExtensionTicket:
        """A partner asks for more time on its own lock; the workflow's validator applies the rule's limits."""
        async with self._tx.sessions() as session:
            leads = LeadRepository(session)
            lead = await leads.get(lead_id)
            if lead is None or (partner_id is not None and lead.partner_id != partner_id):
                raise LeadNotFound(f"no lead {lead_id}")
            lock = await leads.lock_of(lead_id)
        if lock is None or lock.status != "active":
            raise LockNotActive(f"lead {lead_id} holds no active lock (it is {lead.status})")
        request = ExtensionRequest(days=days, reason=reason, requested_by=requested_by)
        return await self._locks.request_extension(lock.workflow_id, request)

    async def apply_ruling(self, event: Envelope[DisputeRuling]) -> None:
        """A ruling that transfers a customer moves the active lock through its workflow; every ruling is recorded.

        No transaction is open while the workflow is asked: its transfer activity writes this database, and
        on SQLite a write transaction held across that wait deadlocks. A crash between the two transactions
        redelivers the ruling and asks again; the update is idempotent per dispute.
        """
        ruling = event.payload
        async with self._tx.begin() as tx:
            if await tx.processed(CONSUMER, event.event_id):
                return
            if self._cross_checks:
                await check_ruling(tx, ruling)
            lead = await LeadRepository(tx.session).get(ruling.lead_id) if ruling.lead_id else None
            if ruling.lead_id is not None and lead is None:  # arbitration may have read the submission first
                raise NotYet(
                    f"unknown_lead: ruling on dispute {ruling.dispute_id} names lead {ruling.lead_id}, "
                    "which registration does not know",
                    "unknown_lead",
                )
            lock = await _lock_to_transfer(tx, lead) if lead is not None else None
            lead_id = lead.lead_id if lead is not None else None
            workflow_id = lock.workflow_id if lock is not None else None
        refusal: str | None = "the ruling does not transfer the customer"
        if lead_id is None:
            refusal = None
            log.info("ruling on dispute %s names no lead; nothing to do here", ruling.dispute_id)
        elif ruling.outcome is RulingOutcome.TRANSFERRED and ruling.new_holder_id and workflow_id is not None:
            order = TransferOrder(
                dispute_id=ruling.dispute_id,
                new_holder_id=ruling.new_holder_id,
                reason=ruling.reason,
                decided_by=ruling.decided_by,
            )
            try:
                await self._locks.transfer(workflow_id, order)  # its activity writes the trail
                refusal = None
            except (LockNotActive, TransferRefused) as exc:
                refusal = str(exc)
        elif ruling.outcome is RulingOutcome.TRANSFERRED:
            refusal = "no active lock on this customer to transfer"
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            if self._cross_checks:
                await acted_on(tx, ruling)
            if refusal is None or lead_id is None:
                return
            lead = await LeadRepository(tx.session).get(lead_id)
            assert lead is not None
            content = {**_ruling_content(ruling), "applied": False, "not_applied_because": refusal}
            await append_evidence(
                tx,
                lead,
                RecordKind.RULING,
                actor=ruling.decided_by,
                content=content,
                rule_set=ruling.rule_set,
                rule_version=ruling.rule_version,
            )


async def _lock_to_transfer(tx: Transaction, lead: Lead) -> Lock | None:
    """The named lead's own active lock, or else the active lock on its customer (a claimant's lead named)."""
    leads = LeadRepository(tx.session)
    lock = await leads.lock_of(lead.lead_id)
    if lock is not None and lock.status == "active":
        return lock
    return await leads.active_lock_on(lead.customer_key) if lead.customer_key else None


def _ruling_content(ruling: DisputeRuling) -> dict[str, Any]:
    return {
        "dispute_id": str(ruling.dispute_id),
        "outcome": ruling.outcome.value,
        "reason": ruling.reason,
        "level": ruling.level,
        "new_holder_id": ruling.new_holder_id,
        "evidence_digest": ruling.evidence_digest,
        "decided_at": iso(ruling.decided_at),
    }
