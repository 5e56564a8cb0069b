"""The sales stages after acceptance: a partner moves its own lead, withdraws it, and deals close it."""

from __future__ import annotations

import logging
from uuid import UUID

from referee_shared.events.deals import DealClosed, DealOutcome
from referee_shared.events.envelope import Envelope
from referee_shared.events.leads import LockChange
from referee_shared.kafka.consumer import Unprocessable
from referee_shared.outbox import Transaction, Transactions

from ..domain.evidence import RecordKind
from ..domain.lifecycle import SALES_STAGES, IllegalTransition, LeadStatus
from ..ports import LockScheduler
from ..store import Lead, LeadRepository
from ..workflows.models import LockEnding
from .locks import LeadNotFound
from .recording import CONSUMER, append_evidence, emit_lock_change, iso, move

log = logging.getLogger(__name__)

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
            await self._end(tx, lead, LeadStatus.WITHDRAWN, actor=actor, reason=reason or "withdrawn by the partner")
            return lead

    async def deal_closed(self, event: Envelope[DealClosed]) -> None:
        """Won completes the lock, lost releases it; the same deal reported again changes nothing."""
        deal = event.payload
        target = LeadStatus.WON if deal.outcome is DealOutcome.WON else LeadStatus.LOST
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            lead = await LeadRepository(tx.session).get_for_update(deal.lead_id)
            if lead is None:
                raise Unprocessable(
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
                return
            try:
                await self._end(tx, lead, target, actor=event.producer, reason=f"deal {deal.deal_id} {target.value}")
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

    async def _end(self, tx: Transaction, lead: Lead, target: LeadStatus, *, actor: str, reason: str) -> None:
        await move(tx, lead, target, actor=actor, reason=reason)
        lock = await LeadRepository(tx.session).lock_of(lead.lead_id)
        if lock is None or lock.status != "active":
            return
        change = _LOCK_END[target]
        lock.status, lock.ended_at = change.value, tx.clock.now()
        await emit_lock_change(tx, lock, change, reason)
        content = {"lock_id": str(lock.lock_id), "lead_id": str(lead.lead_id), "status": lock.status, "reason": reason}
        await append_evidence(tx, lead, RecordKind.LOCK_ENDED, actor=actor, content=content)
        # Told before the commit: should the commit fail, the retry tells it again, which a workflow ignores.
        await self._locks.end_lock(lock.workflow_id, LockEnding(change=change.value, reason=reason))


async def _own_lead(tx: Transaction, lead_id: UUID, partner_id: str | None) -> Lead:
    """The lead, locked for this change; another partner's lead is reported missing, like an unknown one."""
    lead = await LeadRepository(tx.session).get_for_update(lead_id)
    if lead is None or (partner_id is not None and lead.partner_id != partner_id):
        raise LeadNotFound(f"no lead {lead_id}")
    return lead
