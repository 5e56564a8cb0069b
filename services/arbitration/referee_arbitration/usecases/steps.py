"""Recording a step of a dispute: a row in its timeline and an event on disputes.events for its parties."""

from __future__ import annotations

from datetime import datetime

from referee_shared.events.disputes import DisputeProgressed, DisputeStep, RulingOutcome
from referee_shared.outbox import Transaction
from referee_shared.topics import DISPUTES_EVENTS

from ..redaction import hidden_from_claimant, redact
from ..store import Dispute, DisputeRepository, DisputeStepRecord

CONSUMER = "arbitration"
WORKFLOW_ACTIONS = "arbitration.workflow"
"""Processed-events consumer name for the workflow's activities, keyed by each action's id."""
SYSTEM_ACTOR = "arbitration"


async def record_step(
    tx: Transaction,
    dispute: Dispute,
    step: DisputeStep,
    *,
    at: datetime,
    actor: str,
    summary: str,
    level: int | None = None,
    due_at: datetime | None = None,
    outcome: RulingOutcome | None = None,
    final: bool = False,
    reason_code: str | None = None,
    to: list[str] | None = None,
) -> None:
    """Record a step; it is addressed to every party unless ``to`` narrows it (a refusal concerns the claimant)."""
    DisputeRepository(tx.session).add_step(
        DisputeStepRecord(
            dispute_id=dispute.dispute_id,
            step=step.value,
            at=at,
            actor=actor,
            summary=summary,
            level=level,
            due_at=due_at,
            outcome=outcome.value if outcome else None,
            reason_code=reason_code,
        )
    )
    progressed = DisputeProgressed(
        dispute_id=dispute.dispute_id,
        step=step,
        at=at,
        parties=to or dispute.parties,
        actor=actor,
        summary=summary,
        level=level,
        due_at=due_at,
        outcome=outcome,
        final=final,
        reason_code=reason_code,
    )
    for copy in addressed(progressed, dispute):
        await tx.emit(DISPUTES_EVENTS, str(dispute.dispute_id), copy, correlation_id=dispute.correlation_id)


def addressed(progressed: DisputeProgressed, dispute: Dispute) -> list[DisputeProgressed]:
    """The step as each party may read it: a portal can read the whole topic, so the claimant's copy must not
    name who holds the customer (issue 11), and the full copy is addressed to everyone but the claimant."""
    hidden = hidden_from_claimant(dispute) & set(progressed.parties)
    if not hidden or dispute.claimant_id not in progressed.parties:
        return [progressed]
    others = [party for party in progressed.parties if party != dispute.claimant_id]
    theirs = progressed.model_copy(update={"audience": others})
    claimants = redact(progressed, hidden).model_copy(update={"audience": [dispute.claimant_id]})
    return [theirs, claimants]
