"""The dispute as the API shows it: a summary in lists, the whole case file for one dispute.

Partners see their own disputes without the evidence (it holds other partners' registrations);
reviewers and arbiters see the evidence, dedup's verdicts and the lock history as well.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from referee_shared.events.disputes import RulingOutcome
from referee_shared.reasons import statuses

from ..adapters.evidence import EvidenceBundle, Verdict, headline, is_lock_record
from ..domain.status import DisputeStatus
from ..store import Dispute, DisputeStepRecord, Ruling, Statement


class DisputeSummary(BaseModel):
    dispute_id: UUID
    status: str = Field(json_schema_extra=statuses(tuple(s.value for s in DisputeStatus), "where the dispute stands"))
    claimant_id: str
    respondent_ids: list[str]
    lead_id: UUID | None
    customer_key: str | None
    region: str
    channel: str
    level: int | None
    due_at: datetime | None
    appeal_until: datetime | None
    outcome: str | None = Field(
        json_schema_extra=statuses((*(o.value for o in RulingOutcome), None), "the ruling, once there is one")
    )
    opened_at: datetime
    refusal_code: str | None
    refusal_reason: str | None

    @classmethod
    def of(cls, dispute: Dispute) -> DisputeSummary:
        return cls.model_validate(dispute, from_attributes=True)


class StatementView(BaseModel):
    party_id: str
    kind: str
    text: str
    attachments: list[dict[str, Any]]
    added_at: datetime


class StepView(BaseModel):
    step: str
    at: datetime
    actor: str
    summary: str
    level: int | None
    due_at: datetime | None


class RulingView(BaseModel):
    level: int
    outcome: str = Field(json_schema_extra=statuses(tuple(o.value for o in RulingOutcome), "what the arbiter ruled"))
    reason: str
    decided_by: str
    decided_at: datetime
    new_holder_id: str | None
    shares: list[dict[str, Any]]
    evidence_digest: str
    rule: str
    appeal_until: datetime | None
    final: bool


class TrailLine(BaseModel):
    seq: int
    recorded_at: datetime
    actor: str
    kind: str
    what: str
    hash: str
    attachments: list[dict[str, Any]] = Field(default_factory=list, description="a follow-up's photos, by digest")


class LockLine(BaseModel):
    at: datetime
    partner_id: str
    what: str


class EvidenceView(BaseModel):
    digest: str | None
    intact: bool | None
    findings: list[str]
    gathered_at: datetime | None
    chain: str | None
    trail: list[TrailLine] = Field(description="every record of the customer's trail, in chain order")
    lock_history: list[LockLine]
    verdicts: list[Verdict]
    gaps: list[str]


class CaseFileView(BaseModel):
    summary: DisputeSummary
    opened_by: str
    claim: str
    attachments: list[dict[str, Any]]
    contested_lead_id: UUID | None
    holder_id: str | None
    rule: str | None
    statements_close_at: datetime | None
    appealed: bool
    evidence_digest: str | None
    evidence_intact: bool | None
    evidence: EvidenceView | None = Field(description="for reviewers and arbiters only")
    statements: list[StatementView]
    steps: list[StepView]
    rulings: list[RulingView]


def case_file_view(
    dispute: Dispute,
    *,
    steps: list[DisputeStepRecord],
    statements: list[Statement],
    rulings: list[Ruling],
    bundle: EvidenceBundle | None,
    verdicts: list[Verdict],
    with_evidence: bool,
) -> CaseFileView:
    return CaseFileView(
        summary=DisputeSummary.of(dispute),
        opened_by=dispute.opened_by,
        claim=dispute.claim,
        attachments=list(dispute.attachments),
        contested_lead_id=dispute.contested_lead_id,
        holder_id=dispute.holder_id,
        rule=f"{dispute.rule_set}@{dispute.rule_version}" if dispute.rule_set else None,
        statements_close_at=dispute.statements_close_at,
        appealed=dispute.appealed,
        evidence_digest=dispute.evidence_digest,
        evidence_intact=dispute.evidence_intact,
        evidence=_evidence(dispute, bundle, verdicts) if with_evidence else None,
        statements=[StatementView.model_validate(s, from_attributes=True) for s in statements],
        steps=[StepView.model_validate(s, from_attributes=True) for s in steps],
        rulings=[
            RulingView(
                level=r.level,
                outcome=r.outcome,
                reason=r.reason,
                decided_by=r.decided_by,
                decided_at=r.decided_at,
                new_holder_id=r.new_holder_id,
                shares=list(r.shares),
                evidence_digest=r.evidence_digest,
                rule=f"{r.rule_set}@{r.rule_version}",
                appeal_until=r.appeal_until,
                final=r.final,
            )
            for r in rulings
        ],
    )


def _evidence(dispute: Dispute, bundle: EvidenceBundle | None, verdicts: list[Verdict]) -> EvidenceView:
    records = bundle.records if bundle else []
    locks = [
        LockLine(
            at=lock.starts_at,
            partner_id=lock.partner_id,
            what=f"lock on lead {lock.lead_id}: {lock.status}, protected until {lock.expires_at:%Y-%m-%d}",
        )
        for lock in (bundle.locks if bundle else [])
    ]
    locks += [LockLine(at=r.recorded_at, partner_id=r.actor, what=headline(r)) for r in records if is_lock_record(r)]
    return EvidenceView(
        digest=dispute.evidence_digest,
        intact=dispute.evidence_intact,
        findings=list(dispute.evidence_findings or []),
        gathered_at=dispute.evidence_gathered_at,
        chain=dispute.chain,
        trail=[
            TrailLine(
                seq=r.seq,
                recorded_at=r.recorded_at,
                actor=r.actor,
                kind=r.kind,
                what=headline(r),
                hash=r.hash,
                attachments=list(r.content.get("attachments") or []),
            )
            for r in records
        ],
        lock_history=sorted(locks, key=lambda line: line.at),
        verdicts=verdicts,
        gaps=list((dispute.case_file or {}).get("gaps", [])),
    )
