"""What the dispute workflow's activities do: open and close review tasks, remind, escalate, record
rulings and appeals, and publish the ruling that takes effect. Each action happens once, however
often Temporal retries it (keyed by the action id the workflow chose)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from uuid import UUID

from referee_shared.events.common import Channel
from referee_shared.events.disputes import CreditShare, DisputeRuling, DisputeStep, RulingOutcome
from referee_shared.events.tasks import TaskKind
from referee_shared.outbox import Transaction, Transactions
from referee_shared.tasks.inbox import publish, task_closed, task_opened
from referee_shared.topics import DISPUTES_RULINGS

from ..domain.ruling import CHOICES, ROLE_OF_LEVEL
from ..domain.status import DisputeStatus
from ..ports import EvidenceUnavailable
from ..store import Dispute, DisputeRepository, Ruling, Statement
from ..usecases.gathering import EvidenceGatherer, file_evidence
from ..usecases.steps import SYSTEM_ACTOR, WORKFLOW_ACTIONS, record_step
from .models import (
    AppealMade,
    Escalation,
    Finalisation,
    Notice,
    ReviewClosing,
    ReviewOpening,
    RulingMade,
)

OUTCOME_WORDS = {
    RulingOutcome.UPHELD: "upheld the contested registration",
    RulingOutcome.TRANSFERRED: "transferred the customer to the claimant",
    RulingOutcome.SHARED: "shared the credit between the parties",
    RulingOutcome.DISMISSED: "dismissed the claim",
}
log = logging.getLogger(__name__)


class DisputeNotFound(Exception):
    pass


class WorkflowSteps:
    def __init__(self, transactions: Transactions, gatherer: EvidenceGatherer) -> None:
        self._tx = transactions
        self._gatherer = gatherer

    async def open_review(self, opening: ReviewOpening) -> None:
        """Put the review in the shared inbox: the regional reviewer's at level 1, an HQ arbiter's at level 2."""
        async with self._tx.begin() as tx:
            if not await tx.first_time(WORKFLOW_ACTIONS, opening.action_id):
                return
            dispute = await _dispute(tx, opening.dispute_id)
            await publish(
                tx,
                task_opened(
                    task_id=opening.task_id,
                    kind=TaskKind.DISPUTE_REVIEW,
                    title=_title(dispute, opening.level),
                    role=ROLE_OF_LEVEL[opening.level],
                    level=opening.level,
                    workflow_id=dispute.workflow_id or "",
                    choices=list(CHOICES),
                    details=_task_details(dispute, opening),
                    due_at=opening.due_at,
                    region=dispute.region if opening.level == 1 else None,
                    subject_party_ids=dispute.parties,
                    opened_at=opening.at,
                ),
                correlation_id=dispute.correlation_id,
            )
            dispute.level, dispute.task_id, dispute.due_at = opening.level, opening.task_id, opening.due_at
            status = DisputeStatus.FIRST_LEVEL if opening.level == 1 else DisputeStatus.HQ_REVIEW
            dispute.status = status.value

    async def close_review(self, closing: ReviewClosing) -> None:
        """Take the task out of the open inbox; closing it twice changes nothing there."""
        async with self._tx.begin() as tx:
            closed = task_closed(
                closing.task_id, closing.outcome, decided_by=closing.decided_by, reason=closing.reason, at=closing.at
            )
            await publish(tx, closed)

    async def notify(self, notice: Notice) -> None:
        async with self._tx.begin() as tx:
            if not await tx.first_time(WORKFLOW_ACTIONS, notice.action_id):
                return
            dispute = await _dispute(tx, notice.dispute_id)
            await record_step(
                tx,
                dispute,
                notice.step,
                at=notice.at,
                actor=SYSTEM_ACTOR,
                summary=notice.summary,
                level=notice.level,
                due_at=notice.due_at,
            )

    async def escalate(self, escalation: Escalation) -> None:
        """Send the case to HQ with its evidence gathered afresh, so the arbiter reads the chain as it is now."""
        async with self._tx.sessions() as session:
            before = await DisputeRepository(session).get(escalation.dispute_id)
        if before is None:
            raise DisputeNotFound(str(escalation.dispute_id))
        evidence = None
        try:
            bundle = await self._gatherer.bundle(before.contested_lead_id or before.lead_id, before.chain)
            evidence = await self._gatherer.gather(bundle) if bundle is not None else None
        except EvidenceUnavailable as exc:
            # The deadline matters more than a fresher copy: HQ gets the case file as gathered before.
            log.warning("evidence of dispute %s not refreshed on escalation: %s", before.dispute_id, exc)
        async with self._tx.begin() as tx:
            if not await tx.first_time(WORKFLOW_ACTIONS, escalation.action_id):
                return
            dispute = await _dispute(tx, escalation.dispute_id)
            if evidence is not None and file_evidence(dispute, evidence, escalation.at):
                await record_step(
                    tx,
                    dispute,
                    DisputeStep.EVIDENCE_FLAGGED,
                    at=escalation.at,
                    actor=SYSTEM_ACTOR,
                    summary="The evidence trail no longer verifies: " + "; ".join(evidence.check.findings),
                    reason_code="chain_broken",
                )
            dispute.escalated_at = dispute.escalated_at or escalation.at
            dispute.status, dispute.level = DisputeStatus.HQ_REVIEW.value, 2
            await record_step(
                tx,
                dispute,
                DisputeStep.ESCALATED,
                at=escalation.at,
                actor=SYSTEM_ACTOR,
                summary=escalation.summary,
                level=2,
                due_at=escalation.due_at,
                reason_code=escalation.reason_code,
            )

    async def record_ruling(self, made: RulingMade) -> None:
        """Record a ruling; with no appeal left it takes effect at once and is published."""
        async with self._tx.begin() as tx:
            if not await tx.first_time(WORKFLOW_ACTIONS, made.action_id):
                return
            dispute = await _dispute(tx, made.dispute_id)
            draft, final = made.ruling, made.appeal_until is None
            ruling = Ruling(
                ruling_id=made.action_id,
                dispute_id=dispute.dispute_id,
                level=draft.level,
                outcome=draft.outcome.value,
                reason=draft.reason,
                decided_by=draft.decided_by,
                decided_at=made.decided_at,
                lead_id=draft.lead_id,
                new_holder_id=draft.new_holder_id,
                new_holder_channel=draft.new_holder_channel.value if draft.new_holder_channel else None,
                shares=[share.model_dump(mode="json", exclude_none=True) for share in draft.shares],
                evidence_digest=dispute.evidence_digest or "",
                rule_set=dispute.rule_set or "",
                rule_version=dispute.rule_version or 0,
                appeal_until=made.appeal_until,
                final=final,
            )
            DisputeRepository(tx.session).add_ruling(ruling)
            dispute.status, dispute.outcome = DisputeStatus.RULED.value, draft.outcome.value
            dispute.appeal_until, dispute.task_id, dispute.due_at = made.appeal_until, None, None
            who = "the regional reviewer" if draft.level == 1 else "the HQ arbiter"
            then = (
                "It takes effect now."
                if final
                else f"Any party may appeal until {made.appeal_until:%Y-%m-%d %H:%M} UTC."
            )
            await record_step(
                tx,
                dispute,
                DisputeStep.RULED,
                at=made.decided_at,
                actor=draft.decided_by,
                summary=f"{who} ({draft.decided_by}) {OUTCOME_WORDS[draft.outcome]}: {draft.reason} {then}",
                level=draft.level,
                due_at=made.appeal_until,
                outcome=draft.outcome,
                final=final,
            )
            if final:
                await _take_effect(tx, dispute, ruling, at=made.decided_at)

    async def record_appeal(self, made: AppealMade) -> None:
        async with self._tx.begin() as tx:
            if not await tx.first_time(WORKFLOW_ACTIONS, made.action_id):
                return
            dispute = await _dispute(tx, made.dispute_id)
            DisputeRepository(tx.session).add_statement(
                Statement(
                    statement_id=made.action_id,
                    dispute_id=dispute.dispute_id,
                    party_id=made.appeal.party_id,
                    kind="appeal",
                    text=made.appeal.grounds,
                    attachments=[],
                    added_at=made.at,
                )
            )
            dispute.appealed, dispute.appeal_until = True, None
            dispute.statements_close_at = made.statements_until
            await record_step(
                tx,
                dispute,
                DisputeStep.APPEALED,
                at=made.at,
                actor=made.appeal.party_id,
                summary=f"{made.appeal.party_id} appealed the ruling: {made.appeal.grounds} "
                f"The parties may add statements until {made.statements_until:%Y-%m-%d %H:%M} UTC.",
                due_at=made.statements_until,
            )

    async def finalise(self, finalisation: Finalisation) -> None:
        """The appeal window closed unused: the last ruling takes effect."""
        async with self._tx.begin() as tx:
            if not await tx.first_time(WORKFLOW_ACTIONS, finalisation.action_id):
                return
            dispute = await _dispute(tx, finalisation.dispute_id)
            ruling = (await DisputeRepository(tx.session).rulings(dispute.dispute_id))[-1]
            ruling.final = True
            dispute.appeal_until = None
            await record_step(
                tx,
                dispute,
                DisputeStep.APPEAL_WINDOW_CLOSED,
                at=finalisation.at,
                actor=SYSTEM_ACTOR,
                summary=f"No party appealed in time; the ruling of {ruling.decided_by} takes effect: "
                f"{OUTCOME_WORDS[RulingOutcome(ruling.outcome)]}.",
                level=ruling.level,
                outcome=RulingOutcome(ruling.outcome),
                final=True,
            )
            await _take_effect(tx, dispute, ruling, at=finalisation.at)


async def _dispute(tx: Transaction, dispute_id: UUID) -> Dispute:
    dispute = await DisputeRepository(tx.session).get(dispute_id)
    if dispute is None:
        raise DisputeNotFound(f"no dispute {dispute_id}")
    return dispute


async def _take_effect(tx: Transaction, dispute: Dispute, ruling: Ruling, *, at: datetime) -> None:
    """Publish the ruling on disputes.rulings: registration moves the lock on a transfer, settlement reads shares."""
    dispute.status, dispute.final_at, dispute.ruled_at = DisputeStatus.FINAL.value, at, ruling.decided_at
    dispute.statements_close_at = min(dispute.statements_close_at or at, at)
    await tx.emit(
        DISPUTES_RULINGS,
        str(dispute.dispute_id),
        DisputeRuling(
            dispute_id=dispute.dispute_id,
            outcome=RulingOutcome(ruling.outcome),
            reason=ruling.reason,
            decided_by=ruling.decided_by,
            level=ruling.level,
            lead_id=ruling.lead_id,
            new_holder_id=ruling.new_holder_id,
            new_holder_channel=Channel(ruling.new_holder_channel) if ruling.new_holder_channel else None,
            shares=[CreditShare.model_validate(share) for share in ruling.shares],
            rule_set=ruling.rule_set,
            rule_version=ruling.rule_version,
            evidence_digest=ruling.evidence_digest,
            decided_at=ruling.decided_at,
        ),
        correlation_id=dispute.correlation_id,
    )


def _title(dispute: Dispute, level: int) -> str:
    against = ", ".join(dispute.respondent_ids)
    stage = "First-level review" if level == 1 else "HQ arbitration"
    return f"{stage}: {dispute.claimant_id} disputes against {against}"


def _task_details(dispute: Dispute, opening: ReviewOpening) -> dict[str, Any]:
    """What the inbox shows beside the task; the full case file is one call away on arbitration's API."""
    return {
        "dispute_id": str(dispute.dispute_id),
        "claimant_id": dispute.claimant_id,
        "respondent_ids": list(dispute.respondent_ids),
        "claim": dispute.claim[:1000],
        "contested_lead_id": str(dispute.contested_lead_id) if dispute.contested_lead_id else None,
        "holder_id": dispute.holder_id,
        "evidence_intact": dispute.evidence_intact,
        "evidence_findings": list(dispute.evidence_findings or []),
        "evidence_digest": dispute.evidence_digest,
        "statements_close_at": dispute.statements_close_at.isoformat() if dispute.statements_close_at else None,
        "case_file": f"/disputes/{dispute.dispute_id}/case-file",
        "review_of": opening.review_of,
        "excluded_decider": opening.excluded_decider,
        "rule_set": f"{dispute.rule_set}@{dispute.rule_version}",
    }
