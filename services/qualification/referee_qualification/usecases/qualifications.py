"""What qualification does for partners and HQ: gate registrations, take in submissions, revoke."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from referee_shared.events.checks import QualificationCheckRequested, QualificationVerdict
from referee_shared.events.envelope import Envelope
from referee_shared.events.qualifications import QualificationChange, QualificationSubmitted
from referee_shared.kafka.consumer import Unprocessable
from referee_shared.outbox import Transaction, Transactions
from referee_shared.rules.rulebook import RuleBook, RuleError
from referee_shared.rules.ruleset import RuleSet
from referee_shared.settings import ServiceSettings
from referee_shared.topics import QUALIFICATION_VERDICTS, QUALIFICATIONS_SUBMITTED

from ..changes import record_change
from ..domain.certificate import (
    SubmissionRefused,
    certificate_key,
    local_date,
    qualification_to_review,
    validity_window,
)
from ..domain.gating import GateDecision, gate
from ..domain.status import LIVE, QualificationStatus, transition
from ..ports import Reviews
from ..store import Qualification, QualificationRepository
from ..workflows.models import (
    REVIEW_WORKFLOW_KIND,
    VALIDITY_WORKFLOW_KIND,
    ReviewInput,
    ReviewTask,
    ValidityInput,
    task_id,
)

log = logging.getLogger(__name__)

CONSUMER = "qualification"
STARTED = "qualification.review-started"
"""marks a submission whose review workflow was started after its commit, so a redelivery does not start it again"""


class NotFound(Exception):
    """No qualification with that id (or none the caller may see)."""


@dataclass(frozen=True)
class Admission:
    rules: RuleSet
    qualification: str


class Qualifications:
    def __init__(
        self, transactions: Transactions, rules: RuleBook, reviews: Reviews, settings: ServiceSettings
    ) -> None:
        self._tx = transactions
        self._rules = rules
        self._reviews = reviews
        self._settings = settings

    async def check(self, event: Envelope[QualificationCheckRequested]) -> None:
        """Answer a registration's check from this service's own store; never waits on a reviewer."""
        request = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            try:
                rules = self._rules.for_product_line(request.product_line, request.received_at)
            except RuleError as exc:
                raise Unprocessable(str(exc)) from exc
            decision = await self._gate(
                tx, rules, request.partner_id, request.product_line, request.region, request.received_at
            )
            await tx.emit(
                QUALIFICATION_VERDICTS,
                str(request.lead_id),
                QualificationVerdict(
                    lead_id=request.lead_id,
                    partner_id=request.partner_id,
                    product_line=request.product_line,
                    qualified=decision.qualified,
                    reason_code=decision.reason_code,
                    reason=decision.reason,
                    required=list(decision.required),
                    rule_set=rules.id,
                    rule_version=rules.version,
                ),
                correlation_id=event.correlation_id,
            )

    async def standing(self, partner_id: str, product_line: str) -> tuple[RuleSet, GateDecision]:
        """Whether the partner may register the line now, and the rule set that says so (RuleError if unknown)."""
        now = self._tx.clock.now()
        rules = self._rules.for_product_line(product_line, now)
        async with self._tx.begin() as tx:
            return rules, await self._gate(tx, rules, partner_id, product_line, None, now)

    async def _gate(
        self, tx: Transaction, rules: RuleSet, partner_id: str, product_line: str, region: str | None, at: datetime
    ) -> GateDecision:
        """The gate at ``at`` (a registration's system receipt time): the status decides, and the dates too."""
        held = await QualificationRepository(tx.session).held_by(partner_id, product_line)
        today = local_date(at, rules.qualification.validity_timezone)
        required = rules.qualification.required.get(product_line)
        return gate(product_line, required, held, today, region, rule=rules.ref)

    def admit(self, submission: QualificationSubmitted, now: datetime) -> Admission:
        """The rule set and qualification a submission is reviewed against; SubmissionRefused saying why not."""
        try:
            rules = self._rules.for_product_line(submission.product_line, now)
        except RuleError as exc:
            raise SubmissionRefused(str(exc)) from exc
        wanted = rules.qualification
        name = qualification_to_review(
            submission.product_line,
            wanted.required.get(submission.product_line),
            rules.ref,
            submission.valid_to,
            local_date(now, wanted.validity_timezone),
        )
        return Admission(rules, name)

    async def submit(self, submission: QualificationSubmitted) -> None:
        """Take a submission from the HTTP API onto qualifications.submitted, refusing what intake would refuse."""
        self.admit(submission, self._tx.clock.now())
        async with self._tx.begin() as tx:
            await tx.emit(QUALIFICATIONS_SUBMITTED, submission.partner_id, submission)

    async def submitted(self, event: Envelope[QualificationSubmitted]) -> None:
        """Store a submission as pending and start its review, unless the same certificate is already live.

        The review workflow is started after the commit; a crash in between redelivers the submission, which
        starts it then (keyed by the certificate, a start joins the review already running).
        """
        submission = event.payload
        async with self._tx.begin() as tx:
            if await tx.first_time(CONSUMER, event.event_id):
                review = await self._store(tx, event)
            elif await tx.processed(STARTED, event.event_id):
                return
            else:
                review = await self._review_of(tx, submission.submission_id)
        if review is not None:
            await self._reviews.start_review(*review)
            async with self._tx.begin() as tx:
                await tx.first_time(STARTED, event.event_id)

    async def _review_of(self, tx: Transaction, submission_id: UUID) -> tuple[str, ReviewInput] | None:
        """The review a stored, still pending submission is waiting for (a redelivery starts it again)."""
        qualification = await QualificationRepository(tx.session).get(submission_id)
        if qualification is None or qualification.status != QualificationStatus.PENDING:
            return None
        admission = Admission(self._rules.get(qualification.rule_set, qualification.rule_version), qualification.name)
        return qualification.review_workflow_id, self._review(qualification, admission)

    async def _store(self, tx: Transaction, event: Envelope[QualificationSubmitted]) -> tuple[str, ReviewInput] | None:
        """Store the submission as pending; the review workflow to start after the commit, if there is one."""
        submission = event.payload
        repository = QualificationRepository(tx.session)
        if await repository.get(submission.submission_id) is not None:
            return None
        now = tx.clock.now()
        try:
            admission = self.admit(submission, now)
        except SubmissionRefused as exc:
            raise Unprocessable(exc.reason) from exc
        key = certificate_key(
            submission.partner_id,
            submission.product_line,
            submission.certificate_number,
            submission.valid_from,
            submission.valid_to,
        )
        earlier = await repository.with_key(key)
        live = next((q for q in earlier if q.status in LIVE), None)
        if live is not None:
            await record_change(
                tx,
                live,
                QualificationChange.DUPLICATE,
                at=now,
                actor=submission.partner_id,
                reason=f"submission {submission.submission_id} repeats this certificate, which is already "
                f"{live.status}; no second review",
                details={"document_sha256": submission.document.sha256},
                duplicate_submission_id=submission.submission_id,
            )
            return None
        qualification = self._new(submission, admission, key, now, event.correlation_id)
        repository.add(qualification)
        revoked = next((q for q in earlier if q.status == QualificationStatus.REVOKED), None)
        if revoked is not None:
            await self._refuse_revoked(tx, qualification, revoked, now)
            return None
        due_at = qualification.review_due_at
        assert due_at is not None
        await record_change(
            tx,
            qualification,
            QualificationChange.RECEIVED,
            at=now,
            actor=submission.partner_id,
            reason=f"under review; first-level decision due by {due_at.isoformat()}",
            details={"document_sha256": submission.document.sha256},
            level=1,
            due_at=due_at,
        )
        return qualification.review_workflow_id, self._review(qualification, admission)

    def _new(
        self, submission: QualificationSubmitted, admission: Admission, key: str, now: datetime, correlation_id: str
    ) -> Qualification:
        rules = admission.rules
        return Qualification(
            submission_id=submission.submission_id,
            partner_id=submission.partner_id,
            product_line=submission.product_line,
            name=admission.qualification,
            certificate_number=submission.certificate_number,
            certificate_key=key,
            issuer=submission.issuer,
            valid_from=submission.valid_from,
            valid_to=submission.valid_to,
            scope=submission.scope.model_dump(),
            document_name=submission.document.name,
            document_media_type=submission.document.media_type,
            document_sha256=submission.document.sha256,
            status=QualificationStatus.PENDING.value,
            status_reason="",
            review_level=1,
            review_due_at=now + timedelta(hours=rules.qualification.review_deadline_hours),
            review_workflow_id=self._settings.workflow_id(REVIEW_WORKFLOW_KIND, key),
            rule_set=rules.id,
            rule_version=rules.version,
            correlation_id=correlation_id,
            submitted_at=now,
            updated_at=now,
        )

    def _review(self, qualification: Qualification, admission: Admission) -> ReviewInput:
        wanted = admission.rules.qualification
        window = validity_window(
            qualification.valid_from, qualification.valid_to, wanted.validity_timezone, wanted.expiry_warning_days
        )
        assert qualification.review_due_at is not None
        return ReviewInput(
            submission_id=qualification.submission_id,
            first=ReviewTask(
                task_id=task_id(qualification.submission_id, 1),
                level=1,
                role=wanted.review_role,
                due_at=qualification.review_due_at,
            ),
            escalation_role=wanted.escalation_role,
            escalation_hours=wanted.escalation_deadline_hours,
            validity=ValidityInput(
                submission_id=qualification.submission_id, warns_at=window.warns_at, lapses_at=window.lapses_at
            ),
            validity_workflow_id=self.validity_workflow_id(qualification),
        )

    async def _refuse_revoked(
        self, tx: Transaction, qualification: Qualification, revoked: Qualification, now: datetime
    ) -> None:
        qualification.status = transition(QualificationStatus.PENDING, QualificationStatus.REJECTED).value
        when = revoked.decided_at.date().isoformat() if revoked.decided_at else "an earlier date"
        # HQ's reason is quoted in part: the whole must fit the reason column.
        qualification.status_reason = (
            f"this certificate was revoked by HQ on {when} ({revoked.status_reason[:1000]}); "
            "submit a different certificate"
        )
        qualification.decided_by, qualification.decided_at, qualification.review_due_at = "system", now, None
        await record_change(
            tx,
            qualification,
            QualificationChange.REJECTED,
            at=now,
            actor="system",
            reason=qualification.status_reason,
            details={"revoked_submission_id": str(revoked.submission_id)},
        )

    def validity_workflow_id(self, qualification: Qualification) -> str:
        return self._settings.workflow_id(VALIDITY_WORKFLOW_KIND, qualification.certificate_key)

    async def revoke(self, submission_id: UUID, *, actor: str, reason: str) -> Qualification:
        """HQ withdraws an approved qualification; gating refuses from the moment this returns."""
        async with self._tx.begin() as tx:
            qualification = await QualificationRepository(tx.session).get_for_update(submission_id)
            if qualification is None:
                raise NotFound(f"no qualification {submission_id}")
            now = tx.clock.now()
            status = transition(QualificationStatus(qualification.status), QualificationStatus.REVOKED)
            qualification.status, qualification.status_reason = status.value, reason
            qualification.decided_by, qualification.decided_at = actor, now
            await record_change(tx, qualification, QualificationChange.REVOKED, at=now, actor=actor, reason=reason)
        try:
            await self._reviews.end_validity(self.validity_workflow_id(qualification), reason)
        except Exception:  # the workflow's own steps check the status, so a missed signal only delays its end
            log.exception("could not tell the validity workflow of %s that it was revoked", submission_id)
        return qualification
