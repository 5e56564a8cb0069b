"""What a service's event means for whom: plain functions from an event to the notifications it implies.

A notification names a kind (its sentence in the catalogue, see texts.py), the audience, the values the
sentence needs (codes, ISO times and amounts as text; translated and formatted when read) and the page
it links to. Nothing here reveals another partner: a claimant's dispute notices carry the step and the
outcome, never the holder, and a partner that lost a lock by a ruling is not told who gained it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from referee_shared.events.disputes import DisputeProgressed, DisputeStep
from referee_shared.events.leads import DecisionOutcome, LeadDecision, LockChange, LockChanged
from referee_shared.events.settlements import (
    PaymentFlagged,
    PaymentStatus,
    SettlementPayment,
    SettlementStatement,
    StatementKind,
)
from referee_shared.events.tasks import TaskOpened, TaskReminded

from .audience import Audience


@dataclass(frozen=True)
class Draft:
    kind: str
    audience: Audience
    params: dict[str, str] = field(default_factory=dict)
    link: str | None = None


def _lead_link(lead_id: object) -> str:
    return f"/partner/leads/{lead_id}"


def lead_decided(event: LeadDecision) -> list[Draft]:
    to = Audience.partner(event.partner_id)
    link = _lead_link(event.lead_id)
    if event.outcome is DecisionOutcome.ACCEPTED:
        until = event.lock.expires_at.isoformat() if event.lock else ""
        return [Draft("lead_accepted", to, {"until": until}, link)]
    if event.outcome is DecisionOutcome.REJECTED:
        return [Draft("lead_rejected", to, {"reason": event.reason_code}, link)]
    return [Draft("lead_held", to, {}, link)]


_LOCK_KINDS = {
    LockChange.REMINDER: "lock_reminder",
    LockChange.EXTENDED: "lock_extended",
    LockChange.EXPIRED: "lock_expired",
    LockChange.RELEASED: "lock_released",
}


def lock_changed(event: LockChanged) -> list[Draft]:
    until = {"until": event.expires_at.isoformat()}
    if event.change is LockChange.TRANSFERRED:
        gained = Draft("lock_transferred_in", Audience.partner(event.partner_id), until, _lead_link(event.lead_id))
        if event.previous_partner_id is None:
            return [gained]
        lost_link = _lead_link(event.previous_lead_id) if event.previous_lead_id else None
        return [gained, Draft("lock_transferred_out", Audience.partner(event.previous_partner_id), {}, lost_link)]
    kind = _LOCK_KINDS.get(event.change)
    if kind is None:  # granted (the decision already said so) and completed (the deal closed) are no news
        return []
    return [Draft(kind, Audience.partner(event.partner_id), until, _lead_link(event.lead_id))]


def task_opened(event: TaskOpened) -> list[Draft]:
    params = {"task_kind": event.kind.value, "due": event.due_at.isoformat() if event.due_at else ""}
    return [Draft("task_opened", Audience.staff(event.role, event.region), params, f"/tasks/{event.task_id}")]


def task_reminded(event: TaskReminded, opened: TaskOpened | None) -> list[Draft]:
    """A reminder for a task the console has heard open; one it never heard of has nobody to remind."""
    if opened is None:
        return []
    kind = "task_overdue" if event.overdue else "task_due"
    params = {"task_kind": opened.kind.value, "due": event.due_at.isoformat()}
    return [Draft(kind, Audience.staff(opened.role, opened.region), params, f"/tasks/{event.task_id}")]


_DISPUTE_KINDS = {
    DisputeStep.REFUSED: "dispute_refused",
    DisputeStep.OPENED: "dispute_opened",
    DisputeStep.STATEMENT_ADDED: "dispute_statement",
    DisputeStep.REMINDER: "dispute_reminder",
    DisputeStep.ESCALATED: "dispute_escalated",
    DisputeStep.RULED: "dispute_ruled",
    DisputeStep.APPEALED: "dispute_appealed",
    DisputeStep.APPEAL_WINDOW_CLOSED: "dispute_final",
}


def dispute_progressed(event: DisputeProgressed) -> list[Draft]:
    kind = _DISPUTE_KINDS.get(event.step)
    if kind is None:  # evidence flags and overdue marks are for the reviewers, who have the task
        return []
    params = {
        "outcome": event.outcome.value if event.outcome else "",
        "due": event.due_at.isoformat() if event.due_at else "",
    }
    link = f"/partner/disputes/{event.dispute_id}"
    return [Draft(kind, Audience.partner(party), params, link) for party in dict.fromkeys(event.parties)]


def statement_issued(event: SettlementStatement) -> list[Draft]:
    """Each party hears of its own lines only (one notice per party, its own total)."""
    totals: dict[str, Decimal] = {}
    for line in event.lines:
        totals[line.party_id] = totals.get(line.party_id, Decimal(0)) + line.amount
    kind = "statement_reversed" if event.kind is StatementKind.REVERSAL else "statement_issued"
    return [
        Draft(kind, Audience.partner(party), {"amount": str(total)}, "/partner/statements")
        for party, total in totals.items()
    ]


def payment_reported(event: SettlementPayment, party_id: str) -> list[Draft]:
    if event.status is PaymentStatus.PAID:
        return [Draft("payment_paid", Audience.partner(party_id), {"amount": str(event.amount)}, "/partner/statements")]
    params = {"amount": str(event.amount), "reason": event.failure_reason}
    return [Draft("payment_failed", Audience.partner(party_id), params, "/partner/statements")]


def payment_flagged(event: PaymentFlagged) -> list[Draft]:
    params = {"amount": str(event.amount), "attempts": str(event.attempts), "party": event.party_id}
    return [Draft("payment_flagged", Audience.staff("finance"), params, "/finance")]
