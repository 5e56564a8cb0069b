"""What the review and validity workflows do to the store and the topics, each step once however often retried."""

from __future__ import annotations

import logging
from datetime import datetime

from referee_shared.events.qualifications import QualificationChange
from referee_shared.outbox import Transaction, Transactions
from referee_shared.tasks import step_id
from referee_shared.tasks.inbox import publish, task_closed, task_reminded

from ..changes import record_change
from ..domain.status import QualificationStatus, transition
from ..inbox import opened_task
from ..ports import Reviews
from ..store import Qualification, QualificationRepository
from .models import APPROVE, Escalation, Reminder, ReviewDecided, ReviewTask, Step, TaskStep

log = logging.getLogger(__name__)

STEPS = "qualification.workflow-steps"
SYSTEM = "system"
_EARLIER_SHOWN = 5


class ReviewSteps:
    def __init__(self, transactions: Transactions, reviews: Reviews) -> None:
        self._tx = transactions
        self._reviews = reviews

    async def open_task(self, step: TaskStep) -> None:
        """Put the first-level review task into the shared inbox."""
        async with self._tx.begin() as tx:
            qualification = await _first_time_pending(tx, step)
            if qualification is None:
                return
            await _open_task(tx, qualification, step.workflow_id, step.task, step.at)

    async def escalate(self, step: Escalation) -> None:
        """The first level missed its deadline: close its task, open one for HQ compliance, remind everyone."""
        async with self._tx.begin() as tx:
            qualification = await _first_time_pending(tx, step)
            if qualification is None:
                return
            closing, opening = step.closing, step.opening
            qualification.review_level, qualification.review_due_at = opening.level, opening.due_at
            reason = f"no decision by {closing.due_at.isoformat()}; escalated to HQ compliance"
            await _close_task(tx, closing.task_id, "escalated", None, reason, step.at)
            await record_change(
                tx,
                qualification,
                QualificationChange.ESCALATED,
                at=step.at,
                actor=SYSTEM,
                reason=f"{reason}, due by {opening.due_at.isoformat()}",
                level=opening.level,
                due_at=opening.due_at,
            )
            await _open_task(tx, qualification, step.workflow_id, opening, step.at, escalated_from=closing)

    async def remind(self, step: Reminder) -> None:
        """HQ compliance is late too: say so again; the task stays open."""
        async with self._tx.begin() as tx:
            qualification = await _first_time_pending(tx, step)
            if qualification is None:
                return
            await record_change(
                tx,
                qualification,
                QualificationChange.REMINDER,
                at=step.at,
                actor=SYSTEM,
                reason=f"HQ compliance review overdue since {step.overdue_since.isoformat()}",
                level=step.task.level,
                due_at=step.task.due_at,
            )
            # The inbox's nudge for an overdue task: it stays open and is marked overdue.
            await publish(tx, task_reminded(step.task.task_id, due_at=step.task.due_at, overdue=True, at=step.at))

    async def decide(self, step: ReviewDecided) -> str:
        """Record a reviewer's approval or rejection (an approval starts the validity); returns the status after.

        The validity workflow is started after the commit, also when a retry of this step finds the decision
        already recorded (the first attempt may have stopped in between); the start joins one that runs.
        """
        status = await self._record_decision(step)
        if status == QualificationStatus.APPROVED:
            await self._reviews.start_validity(step.validity_workflow_id, step.validity)
        return status

    async def _record_decision(self, step: ReviewDecided) -> str:
        decision = step.decision
        async with self._tx.begin() as tx:
            qualification = await QualificationRepository(tx.session).get_for_update(step.submission_id)
            if qualification is None:
                raise LookupError(f"qualification {step.submission_id} is not stored (yet)")
            if qualification.status != QualificationStatus.PENDING:
                return qualification.status  # a retry of a step that committed
            approved = decision.choice == APPROVE
            target = QualificationStatus.APPROVED if approved else QualificationStatus.REJECTED
            qualification.status = transition(QualificationStatus.PENDING, target).value
            qualification.status_reason = decision.reason
            qualification.decided_by, qualification.decided_at = decision.decided_by, step.at
            qualification.review_due_at = None
            await _close_task(tx, step.task.task_id, decision.choice, decision.decided_by, decision.reason, step.at)
            await record_change(
                tx,
                qualification,
                QualificationChange.APPROVED if approved else QualificationChange.REJECTED,
                at=step.at,
                actor=decision.decided_by,
                reason=decision.reason,
                details={"task_id": step.task.task_id, "role": decision.role, **decision.details},
                level=step.task.level,
            )
            return qualification.status

    async def warn_expiry(self, step: Step) -> None:
        """Tell the partner its approved certificate lapses soon (and whether a renewal already covers it)."""
        async with self._tx.begin() as tx:
            qualification = await _first_time(tx, step)
            if qualification is None or qualification.status != QualificationStatus.APPROVED:
                return
            renewal = await QualificationRepository(tx.session).renewal_of(qualification)
            continued = f"; renewal {renewal.certificate_number} continues it" if renewal else "; submit a renewal"
            await record_change(
                tx,
                qualification,
                QualificationChange.EXPIRING,
                at=step.at,
                actor=SYSTEM,
                reason=f"valid until {qualification.valid_to.isoformat()}{continued}",
                renewed_by=renewal.submission_id if renewal else None,
            )

    async def lapse(self, step: Step) -> None:
        """The certificate's last day is over: it lapses, and gating refuses it from now on."""
        async with self._tx.begin() as tx:
            qualification = await _first_time(tx, step)
            if qualification is None or qualification.status != QualificationStatus.APPROVED:
                return
            qualification.status = transition(QualificationStatus.APPROVED, QualificationStatus.EXPIRED).value
            renewal = await QualificationRepository(tx.session).renewal_of(qualification)
            continued = f"; renewal {renewal.certificate_number} continues without a gap" if renewal else ""
            qualification.status_reason = f"lapsed after {qualification.valid_to.isoformat()}{continued}"
            await record_change(
                tx,
                qualification,
                QualificationChange.EXPIRED,
                at=step.at,
                actor=SYSTEM,
                reason=qualification.status_reason,
                renewed_by=renewal.submission_id if renewal else None,
            )


async def _first_time(tx: Transaction, step: Step) -> Qualification | None:
    """The qualification a step acts on, or None when this step already ran (an activity retry)."""
    qualification = await QualificationRepository(tx.session).get_for_update(step.submission_id)
    if qualification is None:
        # The workflow starts just before the submission commits; Temporal retries the activity.
        raise LookupError(f"qualification {step.submission_id} is not stored (yet)")
    if not await tx.first_time(STEPS, step_id(step.step)):
        return None
    return qualification


async def _first_time_pending(tx: Transaction, step: Step) -> Qualification | None:
    qualification = await _first_time(tx, step)
    if qualification is not None and qualification.status != QualificationStatus.PENDING:
        log.info("review step %s for %s skipped: it is %s", step.step, step.submission_id, qualification.status)
        return None
    return qualification


async def _open_task(
    tx: Transaction,
    qualification: Qualification,
    workflow_id: str,
    task: ReviewTask,
    at: datetime,
    *,
    escalated_from: ReviewTask | None = None,
) -> None:
    earlier = [
        q
        for q in await QualificationRepository(tx.session).search(
            partner_id=qualification.partner_id, product_line=qualification.product_line, limit=_EARLIER_SHOWN + 1
        )
        if q.submission_id != qualification.submission_id
    ][:_EARLIER_SHOWN]
    await publish(
        tx,
        opened_task(qualification, task, workflow_id, earlier, at, escalated_from=escalated_from),
        correlation_id=qualification.correlation_id or None,
    )
    QualificationRepository(tx.session).record(
        qualification,
        "task_opened",
        at=at,
        actor=SYSTEM,
        reason=f"level {task.level} review task {task.task_id} for {task.role}, due by {task.due_at.isoformat()}",
        details={"task_id": task.task_id, "level": task.level},
    )


async def _close_task(
    tx: Transaction, task_id: str, outcome: str, decided_by: str | None, reason: str, at: datetime
) -> None:
    await publish(tx, task_closed(task_id, outcome, decided_by=decided_by, reason=reason, at=at))
