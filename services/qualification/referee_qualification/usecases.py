"""What qualification does: answer gating checks from its own store, and take in submissions."""

from __future__ import annotations

from typing import Any

from referee_shared.events.checks import QualificationCheckRequested, QualificationVerdict
from referee_shared.events.envelope import Envelope
from referee_shared.events.qualifications import QualificationSubmitted
from referee_shared.kafka.consumer import Unprocessable
from referee_shared.outbox import Transactions
from referee_shared.rules.rulebook import RuleBook, RuleError
from referee_shared.topics import QUALIFICATION_VERDICTS

from .domain.gating import gate
from .store import Qualification, QualificationRepository

CONSUMER = "qualification"


class Qualifications:
    def __init__(self, transactions: Transactions, rules: RuleBook) -> None:
        self._tx = transactions
        self._rules = rules

    async def check(self, event: Envelope[Any]) -> None:
        request: QualificationCheckRequested = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            try:
                rules = self._rules.for_product_line(request.product_line, request.received_at)
            except RuleError as exc:
                raise Unprocessable(str(exc)) from exc
            required = rules.qualification.required.get(request.product_line)
            held = await QualificationRepository(tx.session).held_by(request.partner_id, request.product_line)
            decision = gate(request.product_line, required, held, tx.clock.now().date(), request.region)
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

    async def submitted(self, event: Envelope[Any]) -> None:
        """Store a submitted qualification as pending review."""
        submission: QualificationSubmitted = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            try:
                rules = self._rules.for_product_line(submission.product_line, tx.clock.now())
            except RuleError as exc:
                raise Unprocessable(str(exc)) from exc
            repository = QualificationRepository(tx.session)
            if await repository.get(submission.submission_id) is not None:
                return
            repository.add(
                Qualification(
                    submission_id=submission.submission_id,
                    partner_id=submission.partner_id,
                    product_line=submission.product_line,
                    name=rules.qualification.required.get(submission.product_line, submission.product_line),
                    certificate_number=submission.certificate_number,
                    issuer=submission.issuer,
                    valid_from=submission.valid_from,
                    valid_to=submission.valid_to,
                    scope=submission.scope.model_dump(),
                    document_sha256=submission.document.sha256,
                    status="pending",
                    submitted_at=tx.clock.now(),
                )
            )
