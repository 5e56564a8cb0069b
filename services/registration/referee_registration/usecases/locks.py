"""Keeping locks: what the lock workflow's activities record, extension requests, and arbitration's transfers.

The workflow decides when; these use cases write what it decided to the database and the outbox,
each once however often an activity is retried (the action id guards it).
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from referee_shared.events.disputes import DisputeRuling, RulingOutcome
from referee_shared.events.envelope import Envelope
from referee_shared.events.leads import LockChange
from referee_shared.events.tasks import TaskClosed, TaskKind, TaskOpened
from referee_shared.outbox import Transaction, Transactions
from referee_shared.topics import TASKS_EVENTS

from ..domain.evidence import RecordKind
from ..domain.lifecycle import LeadStatus
from ..ports import LockNotActive, LockScheduler, TransferRefused
from ..store import Lead, LeadRepository, Lock
from ..workflows.models import (
    EXTENSION_CHOICES,
    ExtensionClosed,
    ExtensionOpened,
    ExtensionRequest,
    ExtensionTicket,
    LockEnded,
    LockExtended,
    LockReminder,
    LockTransferred,
    TransferOrder,
)
from .recording import (
    CONSUMER,
    LOCK_ACTIONS,
    SYSTEM_ACTOR,
    action_id,
    append_evidence,
    begin,
    emit_lock_change,
    iso,
    move,
)

log = logging.getLogger(__name__)


class LeadNotFound(Exception):
    """No such lead, or not one the caller may see."""


class LockKeeping:
    def __init__(self, transactions: Transactions, locks: LockScheduler) -> None:
        self._tx = transactions
        self._locks = locks

    async def expire(self, ended: LockEnded) -> None:
        """The protection period ran out: the lead expires and the customer is free for others."""
        async with self._tx.begin() as tx:
            found = await _active_lock(tx, ended.lock_id, "end", ended.lock_id)
            if found is None:
                return
            lock, lead = found
            lock.status, lock.ended_at = LockChange.EXPIRED.value, ended.at
            await move(tx, lead, LeadStatus.EXPIRED, actor=SYSTEM_ACTOR, reason=ended.reason)
            await emit_lock_change(tx, lock, LockChange.EXPIRED, ended.reason)
            await append_evidence(
                tx, lead, RecordKind.LOCK_ENDED, actor=SYSTEM_ACTOR, content=_lock_content(lock, ended.reason)
            )

    async def remind(self, reminder: LockReminder) -> None:
        async with self._tx.begin() as tx:
            key = (reminder.lock_id, "remind", iso(reminder.expires_at), reminder.days_before)
            found = await _active_lock(tx, reminder.lock_id, *key)
            if found is None:
                return
            lock, _ = found
            when = reminder.expires_at.date().isoformat()
            await emit_lock_change(
                tx, lock, LockChange.REMINDER, f"protection ends in {reminder.days_before} days, on {when}"
            )

    async def extend(self, extended: LockExtended) -> None:
        """A follow-up earned a later expiry; expiry only ever moves forward here."""
        async with self._tx.begin() as tx:
            found = await _active_lock(tx, extended.lock_id, "extend", extended.activity_id)
            if found is None or extended.expires_at <= found[0].expires_at:
                return
            lock, lead = found
            lock.expires_at = extended.expires_at
            await emit_lock_change(tx, lock, LockChange.EXTENDED, extended.reason)
            await append_evidence(
                tx,
                lead,
                RecordKind.LOCK_EXTENDED,
                actor=SYSTEM_ACTOR,
                content={**_lock_content(lock, extended.reason), "activity_id": str(extended.activity_id)},
            )

    async def open_extension(self, opened: ExtensionOpened) -> None:
        """Open the reviewer task for an extension request in the shared inbox."""
        async with self._tx.begin() as tx:
            found = await _active_lock(tx, opened.lock_id, "open", opened.task_id)
            if found is None:
                return
            lock, lead = found
            lock.pending_task_id, lock.pending_task_due_at = opened.task_id, opened.due_at
            details = {
                "lead_id": str(lead.lead_id),
                "lock_id": str(lock.lock_id),
                "partner_id": lead.partner_id,
                "customer_name": lead.customer_name,
                "product_line": lead.product_line,
                "days": opened.days,
                "reason": opened.reason,
                "expires_at": iso(lock.expires_at),
                "requested_expires_at": iso(opened.requested_expires_at),
                "extensions_granted": lock.extensions_granted,
            }
            await tx.emit(
                TASKS_EVENTS,
                opened.task_id,
                TaskOpened(
                    task_id=opened.task_id,
                    kind=TaskKind.LOCK_EXTENSION,
                    title=f"Extend the protection of {lead.customer_name} for {lead.partner_id} by {opened.days} days",
                    role="reviewer",
                    workflow_id=opened.workflow_id,
                    update_name="decide",
                    choices=list(EXTENSION_CHOICES),
                    details=details,
                    due_at=opened.due_at,
                    region=lead.region,
                    subject_party_ids=[lead.partner_id],
                    opened_at=opened.at,
                ),
                correlation_id=lead.correlation_id,
            )
            await append_evidence(
                tx,
                lead,
                RecordKind.EXTENSION_REQUESTED,
                actor=opened.requested_by,
                content={"task_id": opened.task_id, "due_at": iso(opened.due_at), **details},
            )

    async def close_extension(self, closed: ExtensionClosed) -> None:
        """Close the task: approved moves expiry; denied, lapsed or withdrawn leave it as it was."""
        async with self._tx.begin() as tx:
            found = await _lock_and_lead(tx, closed.lock_id, "close", closed.task_id)
            if found is None:
                return
            lock, lead = found
            if lock.pending_task_id == closed.task_id:
                lock.pending_task_id, lock.pending_task_due_at = None, None
            if closed.outcome == "approve" and closed.expires_at is not None and lock.status == "active":
                lock.expires_at, lock.extensions_granted = closed.expires_at, lock.extensions_granted + 1
                await emit_lock_change(
                    tx, lock, LockChange.EXTENDED, f"extension approved by {closed.decided_by}: {closed.reason}"
                )
            await tx.emit(
                TASKS_EVENTS,
                closed.task_id,
                TaskClosed(
                    task_id=closed.task_id,
                    outcome=closed.outcome,
                    decided_by=closed.decided_by,
                    reason=closed.reason,
                    closed_at=closed.at,
                ),
                correlation_id=lead.correlation_id,
            )
            await append_evidence(
                tx,
                lead,
                RecordKind.EXTENSION_CLOSED,
                actor=closed.decided_by or SYSTEM_ACTOR,
                content={
                    "task_id": closed.task_id,
                    "outcome": closed.outcome,
                    "reason": closed.reason,
                    "expires_at": iso(lock.expires_at),
                },
            )

    async def transfer(self, transferred: LockTransferred) -> None:
        """Record a ruling's transfer: the old lead ends transferred, the new holder's lead holds the lock."""
        async with self._tx.begin() as tx:
            found = await _active_lock(tx, transferred.lock_id, "transfer", transferred.dispute_id)
            if found is None:
                return
            lock, old = found
            leads = LeadRepository(tx.session)
            reason = f"transferred by the ruling on dispute {transferred.dispute_id}: {transferred.reason}"
            await move(tx, old, LeadStatus.TRANSFERRED, actor=transferred.decided_by, reason=reason)
            holders_own = await leads.latest_of_partner_on(transferred.new_holder_id, lock.customer_key)
            new = _transferred_lead(old, transferred, holders_own)
            leads.add(new)
            await begin(tx, new, actor=transferred.decided_by, reason=reason, at=transferred.at)
            previous_partner, previous_lead = lock.partner_id, lock.lead_id
            lock.lead_id, lock.partner_id = new.lead_id, new.partner_id
            lock.starts_at, lock.expires_at, lock.extensions_granted = transferred.at, transferred.expires_at, 0
            await emit_lock_change(
                tx,
                lock,
                LockChange.TRANSFERRED,
                reason,
                previous_partner_id=previous_partner,
                previous_lead_id=previous_lead,
            )
            await append_evidence(
                tx,
                new,
                RecordKind.LOCK_TRANSFERRED,
                actor=transferred.decided_by,
                content={
                    **_lock_content(lock, reason),
                    "dispute_id": str(transferred.dispute_id),
                    "previous_partner_id": previous_partner,
                    "previous_lead_id": str(previous_lead),
                },
            )

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

    async def apply_ruling(self, event: Envelope[Any]) -> None:
        """A ruling that transfers a customer moves the active lock through its workflow; every ruling is recorded.

        No transaction is open while the workflow is asked: its transfer activity writes this database, and
        on SQLite a write transaction held across that wait deadlocks. A crash between the two transactions
        redelivers the ruling and asks again; the update is idempotent per dispute.
        """
        ruling: DisputeRuling = event.payload
        async with self._tx.begin() as tx:
            if await tx.processed(CONSUMER, event.event_id):
                return
            lead = await LeadRepository(tx.session).get(ruling.lead_id) if ruling.lead_id else None
            lock = await _lock_to_transfer(tx, lead) if lead is not None else None
            lead_id = lead.lead_id if lead is not None else None
            workflow_id = lock.workflow_id if lock is not None else None
        refusal: str | None = "the ruling does not transfer the customer"
        if lead_id is None:
            refusal = None
            log.info("ruling on dispute %s names no lead known here; nothing to do", ruling.dispute_id)
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
            if not await tx.first_time(CONSUMER, event.event_id) or refusal is None or lead_id is None:
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


async def _lock_and_lead(tx: Transaction, lock_id: UUID, *action: object) -> tuple[Lock, Lead] | None:
    if not await tx.first_time(LOCK_ACTIONS, action_id(lock_id, *action)):
        return None
    leads = LeadRepository(tx.session)
    lock = await leads.get_lock_for_update(lock_id)
    if lock is None:
        log.warning("lock %s unknown; action %s ignored", lock_id, action)
        return None
    lead = await leads.get_for_update(lock.lead_id)
    assert lead is not None
    return lock, lead


async def _active_lock(tx: Transaction, lock_id: UUID, *action: object) -> tuple[Lock, Lead] | None:
    """The lock and its lead if this action is new and the lock still active; a finished lock ignores it."""
    found = await _lock_and_lead(tx, lock_id, *action)
    if found is None or found[0].status != "active":
        return None
    return found


async def _lock_to_transfer(tx: Transaction, lead: Lead) -> Lock | None:
    """The named lead's own active lock, or else the active lock on its customer (a claimant's lead named)."""
    leads = LeadRepository(tx.session)
    lock = await leads.lock_of(lead.lead_id)
    if lock is not None and lock.status == "active":
        return lock
    return await leads.active_lock_on(lead.customer_key) if lead.customer_key else None


def _transferred_lead(old: Lead, transferred: LockTransferred, holders_own: Lead | None) -> Lead:
    return Lead(
        lead_id=transferred.new_lead_id,
        partner_id=transferred.new_holder_id,
        channel=holders_own.channel if holders_own else old.channel,
        product_line=old.product_line,
        customer=old.customer,
        customer_name=old.customer_name,
        region=old.region,
        estimated_amount=old.estimated_amount,
        currency=old.currency,
        expected_close=old.expected_close,
        status=LeadStatus.ACCEPTED.value,
        received_at=transferred.at,
        partner_claimed_at=None,
        rule_set=old.rule_set,
        rule_version=old.rule_version,
        customer_key=old.customer_key,
        reason_code="transferred_by_ruling",
        reason=f"customer transferred by the ruling on dispute {transferred.dispute_id}",
        decided_at=transferred.at,
        correlation_id=old.correlation_id,
    )


def _lock_content(lock: Lock, reason: str) -> dict[str, Any]:
    return {
        "lock_id": str(lock.lock_id),
        "lead_id": str(lock.lead_id),
        "partner_id": lock.partner_id,
        "status": lock.status,
        "starts_at": iso(lock.starts_at),
        "expires_at": iso(lock.expires_at),
        "reason": reason,
    }


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
