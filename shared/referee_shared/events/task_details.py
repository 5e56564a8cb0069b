"""What ``details`` of an inbox task holds, per task kind: the contract integrators and the console read.

Every flow builds its task's details as a plain mapping; ``task_opened`` checks it against the model of
its kind, so a field added or renamed in a flow fails its tests instead of surprising an integrator.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .qualifications import QualificationScope
from .tasks import TaskKind


class _Details(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LockExtensionDetails(_Details):
    lead_id: str
    lock_id: str
    partner_id: str = Field(description="the holder asking for more time")
    customer_name: str
    product_line: str
    days: int = Field(description="days asked for")
    reason: str = Field(description="the holder's reason")
    expires_at: str = Field(description="the lock's current expiry (ISO 8601, UTC)")
    requested_expires_at: str = Field(description="the expiry if approved (ISO 8601, UTC)")
    extensions_granted: int = Field(description="extensions granted before this one")


class DuplicateCandidate(_Details):
    customer_key: str
    name: str
    score: float
    reasons: list[str] = Field(description="field by field: '<field> <weight>: <why>'")


class DuplicateReviewDetails(_Details):
    lead_id: str
    rule_set: str = Field(description="<rule set>@<version> that asked for the review")
    kind: str = Field(description="always duplicate_review")
    incoming: dict[str, Any] | None = Field(default=None, description="possible duplicate: the customer as written")
    candidates: list[DuplicateCandidate] | None = Field(
        default=None, description="possible duplicate: the protected customers it may be"
    )
    nearby_customer: str | None = Field(default=None, description="cross-region: the protected customer's key")
    distance_km: float | None = Field(default=None, description="cross-region: distance to it")
    rule: str | None = Field(default=None, description="cross-region: the radius rule that held it")


class QualificationDocument(_Details):
    name: str
    sha256: str
    media_type: str | None


class EarlierSubmission(_Details):
    submission_id: str
    certificate_number: str
    status: str
    valid_to: str
    reason: str


class EscalatedFrom(_Details):
    task_id: str
    due_at: str


class QualificationReviewDetails(_Details):
    submission_id: str
    partner_id: str
    product_line: str
    qualification: str = Field(description="the qualification's name")
    certificate_number: str
    issuer: str
    valid_from: str
    valid_to: str
    scope: QualificationScope
    document: QualificationDocument
    submitted_at: str
    rule_set: str
    rule_version: int
    earlier_submissions: list[EarlierSubmission]
    escalated_from: EscalatedFrom | None = Field(default=None, description="HQ level: the regional task it came from")


class DisputeReviewDetails(_Details):
    dispute_id: str
    claimant_id: str
    respondent_ids: list[str]
    claim: str = Field(description="the claimant's claim, first 1,000 characters")
    contested_lead_id: str | None
    holder_id: str | None
    evidence_intact: bool | None
    evidence_findings: list[str]
    evidence_digest: str | None
    statements_close_at: str | None
    case_file: str = Field(description="path of the case file on arbitration's API")
    review_of: str | None = Field(description="an appeal: the task whose ruling is reviewed")
    excluded_decider: str | None = Field(description="who may not decide this review (the first-level arbiter)")
    rule_set: str


class StatementLineDetails(_Details):
    party_id: str
    channel: str
    amount: str = Field(description="decimal string, two places")
    rule: str
    description: str


class SettlementApprovalDetails(_Details):
    deal_id: str
    lead_id: str
    statement_id: str
    deal_amount: str = Field(description="decimal string, two places")
    currency: str
    distributable_amount: str
    tier: str | None
    rules: str = Field(description="<rule set>@<version>")
    notes: list[str]
    lines: list[StatementLineDetails]


class VisitClashDetails(_Details):
    customer_key: str
    contact: str
    visit_on: str
    partner_id: str = Field(description="the partner whose visit clashed")
    other_visits: list[str]
    partners: list[str]
    rule: str


TASK_DETAILS: dict[TaskKind, type[_Details]] = {
    TaskKind.LOCK_EXTENSION: LockExtensionDetails,
    TaskKind.DUPLICATE_REVIEW: DuplicateReviewDetails,
    TaskKind.QUALIFICATION_REVIEW: QualificationReviewDetails,
    TaskKind.DISPUTE_REVIEW: DisputeReviewDetails,
    TaskKind.SETTLEMENT_APPROVAL: SettlementApprovalDetails,
    TaskKind.VISIT_CLASH: VisitClashDetails,
}


def checked_details(kind: TaskKind, details: dict[str, Any]) -> dict[str, Any]:
    """``details`` unchanged when it is what the contract says for ``kind``; ValueError naming the field if not."""
    TASK_DETAILS[kind].model_validate(details)
    return details


def details_by_kind_schema() -> dict[str, Any]:
    """JSON Schema ``allOf`` entries: for each ``kind``, the shape of ``details`` (references inlined)."""
    return {
        "allOf": [
            {
                "if": {"properties": {"kind": {"const": kind.value}}, "required": ["kind"]},
                "then": {"properties": {"details": _inlined(model.model_json_schema())}},
            }
            for kind, model in TASK_DETAILS.items()
        ]
    }


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(definitions[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved
