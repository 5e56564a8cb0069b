"""What every change to a lead leaves behind: a counted transition, a lock event, a record in the trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from referee_shared.events.common import Channel
from referee_shared.events.envelope import Envelope
from referee_shared.events.leads import LeadTransitioned, LockChange, LockChanged
from referee_shared.outbox import Transaction
from referee_shared.topics import LEADS_LOCKS, LEADS_TRANSITIONS

from ..checkpoints import checkpoint
from ..domain.evidence import RecordKind, timestamp
from ..domain.lifecycle import LeadStatus, transition
from ..store import EvidenceRepository, Lead, LeadTransition, Lock, NewRecord, TransitionRepository

CONSUMER = "registration"
LOCK_ACTIONS = "registration.lock-workflow"
"""Processed-events consumer name for the lock workflow's activities, keyed by a deterministic action id."""
SYSTEM_ACTOR = "registration"


async def move(tx: Transaction, lead: Lead, target: LeadStatus, *, actor: str, reason: str) -> None:
    """Move a lead if the lifecycle allows it (IllegalTransition otherwise) and record the move."""
    previous = LeadStatus(lead.status)
    lead.status = transition(previous, target)
    await _record_transition(tx, lead, previous, actor=actor, reason=reason, at=tx.clock.now())


async def begin(tx: Transaction, lead: Lead, *, actor: str, reason: str, at: datetime) -> None:
    """Record a lead coming into being in its current status (submitted, or accepted by a transfer)."""
    await _record_transition(tx, lead, None, actor=actor, reason=reason, at=at)


async def _record_transition(
    tx: Transaction, lead: Lead, previous: LeadStatus | None, *, actor: str, reason: str, at: datetime
) -> None:
    TransitionRepository(tx.session).add(
        LeadTransition(
            lead_id=lead.lead_id,
            partner_id=lead.partner_id,
            channel=lead.channel,
            product_line=lead.product_line,
            region=lead.region,
            from_status=previous.value if previous else None,
            to_status=lead.status,
            at=at,
            actor=actor,
            reason=reason[:2000],
        )
    )
    await tx.emit(
        LEADS_TRANSITIONS,
        str(lead.lead_id),
        LeadTransitioned(
            lead_id=lead.lead_id,
            partner_id=lead.partner_id,
            from_status=previous.value if previous else None,
            to_status=lead.status,
            at=at,
            actor=actor,
            reason=reason,
            channel=Channel(lead.channel),
            product_line=lead.product_line,
            region=lead.region,
            customer_key=lead.customer_key,
            rule_set=lead.rule_set,
            rule_version=lead.rule_version,
        ),
        correlation_id=lead.correlation_id,
    )


async def emit_lock_change(
    tx: Transaction,
    lock: Lock,
    change: LockChange,
    reason: str,
    *,
    previous_partner_id: str | None = None,
    previous_lead_id: UUID | None = None,
) -> None:
    await tx.emit(
        LEADS_LOCKS,
        lock.customer_key,
        LockChanged(
            lock_id=lock.lock_id,
            lead_id=lock.lead_id,
            partner_id=lock.partner_id,
            customer_key=lock.customer_key,
            change=change,
            expires_at=lock.expires_at,
            at=tx.clock.now(),
            reason=reason,
            previous_partner_id=previous_partner_id,
            previous_lead_id=previous_lead_id,
            rule_set=lock.rule_set,
            rule_version=lock.rule_version,
        ),
    )


def chain_of(lead: Lead) -> str:
    """A lead's trail is its customer's; a lead refused before dedup named a customer keeps one of its own."""
    return lead.customer_key or f"lead:{lead.lead_id}"


async def append_evidence(
    tx: Transaction,
    lead: Lead,
    kind: RecordKind,
    *,
    actor: str,
    content: dict[str, Any],
    rule_set: str | None = None,
    rule_version: int | None = None,
) -> None:
    """Chain a record onto the lead's customer trail at the system's time, naming the rule in force."""
    await append_records(
        tx, lead, [record(lead, kind, actor=actor, content=content, rule_set=rule_set, rule_version=rule_version)]
    )


async def append_records(tx: Transaction, lead: Lead, records: list[NewRecord]) -> None:
    chain = chain_of(lead)
    await checkpoint(tx, chain, await EvidenceRepository(tx.session).append(chain, records, recorded_at=tx.clock.now()))


def record(
    lead: Lead,
    kind: RecordKind,
    *,
    actor: str,
    content: dict[str, Any],
    rule_set: str | None = None,
    rule_version: int | None = None,
) -> NewRecord:
    """A record about a lead, under the lead's rule set unless another rule decided it."""
    return NewRecord(
        kind=kind.value,
        actor=actor,
        lead_id=lead.lead_id,
        content=content,
        rule_set=rule_set or lead.rule_set,
        rule_version=rule_version if rule_version is not None else lead.rule_version,
    )


def registration_content(lead: Lead) -> dict[str, Any]:
    """The registration as the system received it: the partner's words and the system's receipt time."""
    return {
        "lead_id": str(lead.lead_id),
        "partner_id": lead.partner_id,
        "channel": lead.channel,
        "product_line": lead.product_line,
        "customer": lead.customer,
        "estimated_amount": str(lead.estimated_amount),
        "currency": lead.currency,
        "expected_close": lead.expected_close.isoformat() if lead.expected_close else None,
        "received_at": timestamp(lead.received_at),
        "partner_claimed_at": timestamp(lead.partner_claimed_at) if lead.partner_claimed_at else None,
        "sent_by": lead.sent_by,
    }


def sent_by(event: Envelope[Any], received: bytes) -> dict[str, Any]:
    """Who sent a message, provably: its producer, the producer's signature and the message exactly as received.

    With ``message``, anyone holding the producer's public key can check the signature again in a dispute
    (docs/security.md says how).
    """
    return {
        "producer": event.producer,
        "signature": event.signature,
        "message": received.decode("utf-8", "replace") if received else None,
    }


def iso(moment: datetime | None) -> str | None:
    return timestamp(moment) if moment else None
