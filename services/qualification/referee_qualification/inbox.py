"""What a reviewer sees in the shared inbox for a qualification review: the task's title, who may act,
the choices, the deadline, and every detail needed to decide without opening anything else."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from referee_shared.events.tasks import TaskKind, TaskOpened
from referee_shared.tasks.inbox import task_opened

from .store import Qualification
from .workflows.models import ReviewTask


def opened_task(
    qualification: Qualification,
    task: ReviewTask,
    workflow_id: str,
    earlier: list[Qualification],
    at: datetime,
    *,
    escalated_from: ReviewTask | None = None,
) -> TaskOpened:
    """The inbox entry of a review task; completing it executes ``decide`` on ``workflow_id``."""
    details = task_details(qualification, earlier)
    if escalated_from is not None:
        details["escalated_from"] = {"task_id": escalated_from.task_id, "due_at": escalated_from.due_at.isoformat()}
    regions = qualification.regions
    return task_opened(
        task_id=task.task_id,
        kind=TaskKind.QUALIFICATION_REVIEW,
        title=_title(qualification, task),
        role=task.role,
        level=task.level,
        workflow_id=workflow_id,
        choices=task.choices,
        details=details,
        due_at=task.due_at,
        region=regions[0] if len(regions) == 1 else None,
        subject_party_ids=[qualification.partner_id],
        opened_at=at,
    )


def _title(qualification: Qualification, task: ReviewTask) -> str:
    what = (
        f"{qualification.name} certificate {qualification.certificate_number} of {qualification.partner_id} "
        f"({qualification.product_line})"
    )
    return f"Escalated to HQ compliance: review {what}" if task.level > 1 else f"Review {what}"


def task_details(qualification: Qualification, earlier: list[Qualification]) -> dict[str, Any]:
    """What a reviewer needs to decide without opening anything else."""
    return {
        "submission_id": str(qualification.submission_id),
        "partner_id": qualification.partner_id,
        "product_line": qualification.product_line,
        "qualification": qualification.name,
        "certificate_number": qualification.certificate_number,
        "issuer": qualification.issuer,
        "valid_from": qualification.valid_from.isoformat(),
        "valid_to": qualification.valid_to.isoformat(),
        "scope": qualification.scope,
        "document": {
            "name": qualification.document_name,
            "sha256": qualification.document_sha256,
            "media_type": qualification.document_media_type,
        },
        "submitted_at": qualification.submitted_at.isoformat(),
        "rule_set": qualification.rule_set,
        "rule_version": qualification.rule_version,
        "earlier_submissions": [_summary(q) for q in earlier],
    }


def _summary(qualification: Qualification) -> dict[str, Any]:
    return {
        "submission_id": str(qualification.submission_id),
        "certificate_number": qualification.certificate_number,
        "status": qualification.status,
        "valid_to": qualification.valid_to.isoformat(),
        "reason": qualification.status_reason,
    }
