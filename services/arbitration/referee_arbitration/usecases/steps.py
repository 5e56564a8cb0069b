"""Recording a step of a dispute: a row in its timeline and an event on disputes.events for its parties."""

from __future__ import annotations

from datetime import datetime

from referee_shared.events.disputes import DisputeProgressed, DisputeStep, RulingOutcome
from referee_shared.outbox import Transaction
from referee_shared.topics import DISPUTES_EVENTS

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
    await tx.emit(
        DISPUTES_EVENTS,
        str(dispute.dispute_id),
        DisputeProgressed(
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
        ),
        correlation_id=dispute.correlation_id,
    )
