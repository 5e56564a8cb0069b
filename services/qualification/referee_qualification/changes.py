"""Recording a change of a qualification: its history row and its event on qualifications.decisions, together."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from referee_shared.events.qualifications import QualificationChange, QualificationChanged
from referee_shared.outbox import Transaction
from referee_shared.topics import QUALIFICATIONS_DECISIONS

from .store import Qualification, QualificationRepository


async def record_change(
    tx: Transaction,
    qualification: Qualification,
    change: QualificationChange,
    *,
    at: datetime,
    actor: str,
    reason: str,
    details: dict[str, Any] | None = None,
    level: int | None = None,
    due_at: datetime | None = None,
    duplicate_submission_id: UUID | None = None,
    renewed_by: UUID | None = None,
) -> None:
    """Append the change to the history and publish it to the partner (the row already holds the new status)."""
    qualification.updated_at = at
    QualificationRepository(tx.session).record(
        qualification, change.value, at=at, actor=actor, reason=reason, details=details
    )
    decided = change in (QualificationChange.APPROVED, QualificationChange.REJECTED, QualificationChange.REVOKED)
    await tx.emit(
        QUALIFICATIONS_DECISIONS,
        qualification.partner_id,
        QualificationChanged(
            submission_id=qualification.submission_id,
            partner_id=qualification.partner_id,
            product_line=qualification.product_line,
            qualification=qualification.name,
            certificate_number=qualification.certificate_number,
            change=change,
            status=qualification.status,
            valid_from=qualification.valid_from,
            valid_to=qualification.valid_to,
            at=at,
            reason=reason,
            decided_by=actor if decided else None,
            level=level,
            due_at=due_at,
            duplicate_submission_id=duplicate_submission_id,
            renewed_by=renewed_by,
            rule_set=qualification.rule_set,
            rule_version=qualification.rule_version,
        ),
        correlation_id=qualification.correlation_id or None,
    )
