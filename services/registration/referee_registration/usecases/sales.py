"""The sales stages after acceptance: a partner moves its own lead, withdraws it, and deals close it."""

from __future__ import annotations

import logging
from uuid import UUID

from referee_shared.events.deals import DealClosed, DealOutcome
from referee_shared.events.envelope import Envelope
from referee_shared.events.leads import LockChange
from referee_shared.kafka.consumer import Unprocessable
from referee_shared.kafka.retry import NotYet
from referee_shared.outbox import Transaction, Transactions

from ..domain.evidence import RecordKind
from ..domain.lifecycle import SALES_STAGES, IllegalTransition, LeadStatus
from ..ports import LockScheduler
from ..store import Lead, LeadRepository
from ..workflows.models import LockEnding
from .locks import LeadNotFound
from .recording import CONSUMER, append_evidence, emit_lock_change, iso, move

log = logging.getLogger(__name__)

TOLD = "registration.deal-told"
"""marks a closed deal whose lock workflow was told after its commit, so a redelivery does not tell it again"""

_LOCK_END = {
    LeadStatus.WON: LockChange.COMPLETED,
    LeadStatus.LOST: LockChange.RELEASED,
    LeadStatus.WITHDRAWN: LockChange.RELEASED,
}


class SalesProgress:
    def __init__(self, transactions: Transactions, locks: LockScheduler) -> None:
        self._tx = transactions
        self._locks = locks

    async def move_stage(
        self, lead_id: UUID, partner_id: str | None, stage: LeadStatus, *, actor: str, note: str
    ) -> Lead:
        """Move a lead to a sales stage; only forward, only while it holds its lock (IllegalTransition otherwise)."""
        if stage not in SALES_STAGES:
            raise ValueError(f"{stage.value} is not a sales stage; won and lost come from deals.closed")
        async with self._tx.begin() as tx:
            lead = await _own_lead(tx, lead_id, partner_id)
            previous = lead.status
            await move(tx, lead, stage, actor=actor, reason=note or f"moved to {stage.value}")
            content = {"lead_id": str(lead_id), "from": previous, "to": stage.value, "note": note}
            await append_evidence(tx, lead, RecordKind.STAGE_MOVED, actor=actor, content=content)
            return lead

    async def withdraw(self, lead_id: UUID, partner_id: str | None, *, actor: str, reason: str) -> Lead:
        """The partner gives the customer up: the lock is released for others."""
        async with self._tx.begin() as tx:
            lead = await _own_lead(tx, lead_id, partner_id)
            why = reason or "withdrawn by the partner"
            ending = await self._end(tx, lead, LeadStatus.WITHDRAWN, actor=actor, reason=why)
        if ending is not None:
            try:
                await self._locks.end_lock(*ending)
            except Exception:  # the withdrawal is on record; the lock reconciler tells the workflow (reconcile.py)
                log.warning("lead %s withdrawn; its lock workflow %s not told yet", lead_id, ending[0], exc_info=True)
        return lead

    async def deal_closed(self, event: Envelope[DealClosed]) -> None:
        """Won completes the lock, lost releases it; the same deal reported again changes nothing.

        The lock workflow is told after the commit; a crash in between redelivers the deal, which tells it
        then (an ended workflow ignores it).
        """
        deal = event.payload
        async with self._tx.begin() as tx:
            if await tx.first_time(CONSUMER, event.event_id):
                ending = await self._record_deal(tx, event)
            elif await tx.processed(TOLD, event.event_id):
                return
            else:
                ending = await _ending_told_by(tx, deal)
        if ending is not None:
            await self._locks.end_lock(*ending)
            async with self._tx.begin() as tx:
                await tx.first_time(TOLD, event.event_id)

    async def _record_deal(self, tx: Transaction, event: Envelope[DealClosed]) -> tuple[str, LockEnding] | None:
        deal = event.payload
        target = LeadStatus.WON if deal.outcome is DealOutcome.WON else LeadStatus.LOST
        lead = await LeadRepository(tx.session).get_for_update(deal.lead_id)
        if lead is None:  # deals come from the ERP on their own topic: the registration may still be on its way
            raise NotYet(
                f"unknown_lead: deal {deal.deal_id} names lead {deal.lead_id}, which registration does not know",
                "unknown_lead",
            )
        if deal.outcome is DealOutcome.WON and deal.owner_id is not None and deal.owner_id != lead.partner_id:
            # The lead's holder owns a won deal; a ruling that moved the customer moved the lead too.
            raise Unprocessable(
                f"owner_not_lock_holder: deal {deal.deal_id} names {deal.owner_id} as owner of lead "
                f"{deal.lead_id}, which {lead.partner_id} holds",
                "owner_not_lock_holder",
            )
        if lead.status == target and lead.deal_id == deal.deal_id:
            log.info("deal %s reported again; lead %s is already %s", deal.deal_id, lead.lead_id, target)
            return None
        try:
            ending = await self._end(
                tx, lead, target, actor=event.producer, reason=f"deal {deal.deal_id} {target.value}"
            )
        except IllegalTransition as exc:
            raise Unprocessable(f"deal {deal.deal_id}: {exc}") from exc
        lead.deal_id = deal.deal_id
        content = {
            "deal_id": deal.deal_id,
            "lead_id": str(lead.lead_id),
            "outcome": deal.outcome.value,
            "amount": str(deal.amount),
            "currency": deal.currency,
            "closed_at": iso(deal.closed_at),
            "contributors": [c.model_dump(mode="json") for c in deal.contributors],
        }
        await append_evidence(tx, lead, RecordKind.DEAL_CLOSED, actor=event.producer, content=content)
        return ending

    async def _end(
        self, tx: Transaction, lead: Lead, target: LeadStatus, *, actor: str, reason: str
    ) -> tuple[str, LockEnding] | None:
        """End the lead and its active lock; the signal to send its workflow once this transaction committed."""
        await move(tx, lead, target, actor=actor, reason=reason)
        lock = await LeadRepository(tx.session).lock_of(lead.lead_id)
        if lock is None or lock.status != "active":
            return None
        change = _LOCK_END[target]
        lock.status, lock.ended_at = change.value, tx.clock.now()
        await emit_lock_change(tx, lock, change, reason)
        content = {"lock_id": str(lock.lock_id), "lead_id": str(lead.lead_id), "status": lock.status, "reason": reason}
        await append_evidence(tx, lead, RecordKind.LOCK_ENDED, actor=actor, content=content)
        return lock.workflow_id, LockEnding(change=change.value, reason=reason)


async def _ending_told_by(tx: Transaction, deal: DealClosed) -> tuple[str, LockEnding] | None:
    """The signal a recorded deal owes its lead's lock workflow (for a redelivery that finds it recorded)."""
    leads = LeadRepository(tx.session)
    lead = await leads.get(deal.lead_id)
    lock = await leads.lock_of(deal.lead_id) if lead is not None and lead.deal_id == deal.deal_id else None
    if lead is None or lock is None or lock.status == "active":
        return None
    return lock.workflow_id, LockEnding(change=lock.status, reason=f"deal {deal.deal_id} {lead.status}")


async def _own_lead(tx: Transaction, lead_id: UUID, partner_id: str | None) -> Lead:
    """The lead, locked for this change; another partner's lead is reported missing, like an unknown one."""
    lead = await LeadRepository(tx.session).get_for_update(lead_id)
    if lead is None or (partner_id is not None and lead.partner_id != partner_id):
        raise LeadNotFound(f"no lead {lead_id}")
    return lead
