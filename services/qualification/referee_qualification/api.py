"""Qualification's HTTP API: partners submit and follow their certificates and see what a product line
requires; reviewers list them; HQ (admin) revokes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field

from referee_shared.auth import Principal, Role, require
from referee_shared.events.qualifications import QualificationSubmitted
from referee_shared.outbox import Transactions
from referee_shared.reasons import QUALIFICATION_STATUSES, statuses
from referee_shared.rules.rulebook import RuleError

from .domain.certificate import SubmissionRefused
from .domain.status import IllegalTransition, QualificationStatus
from .store import Qualification, QualificationHistory, QualificationRepository
from .usecases import NotFound, Qualifications

HOW_TO_SUBMIT = (
    "publish qualification.submitted on qualifications.submitted (or POST /qualifications) with the certificate "
    "number, issuer, valid_from and valid_to, the scope (regions, product categories) and the scanned "
    "certificate as document {name, sha256}; a reviewer decides within the review deadline"
)


# Module-level: FastAPI resolves the (postponed) annotations of routes in this module's globals.
PARTNERS = require(Role.PARTNER)
READERS = require(Role.PARTNER, Role.REVIEWER)
HQ = require(Role.ADMIN)


class SubmissionAccepted(BaseModel):
    submission_id: UUID
    status: str = "submitted"


class DocumentView(BaseModel):
    name: str
    sha256: str
    media_type: str | None


class QualificationView(BaseModel):
    submission_id: UUID
    partner_id: str
    product_line: str
    qualification: str
    certificate_number: str
    issuer: str
    valid_from: date
    valid_to: date
    scope: dict[str, Any]
    document: DocumentView
    status: str = Field(json_schema_extra=statuses(QUALIFICATION_STATUSES, "where the qualification stands"))
    reason: str = Field(description="why it has its status: the reviewer's reason, the revocation, the lapse")
    decided_by: str | None
    decided_at: datetime | None
    review_level: int
    review_due_at: datetime | None
    submitted_at: datetime
    rule_set: str
    rule_version: int


class ChangeView(BaseModel):
    at: datetime
    change: str
    status: str = Field(json_schema_extra=statuses(QUALIFICATION_STATUSES, "the status after the change"))
    actor: str
    reason: str


class QualificationDetail(QualificationView):
    history: list[ChangeView]


class Requirement(BaseModel):
    """What a partner must hold to register a product line, and whether it holds it now."""

    partner_id: str
    product_line: str
    rule_set: str
    rule_version: int
    required: str | None = Field(description="the qualification the rule set asks for; null if none")
    qualified: bool
    reason: str
    how_to_submit: str | None
    review_deadline_hours: int
    held: list[QualificationView]


class Revocation(BaseModel):
    reason: str = Field(min_length=1, max_length=4000)


def build_router(qualifications: Qualifications, transactions: Transactions) -> APIRouter:
    router = APIRouter(prefix="/qualifications", tags=["qualifications"])

    @router.post("", status_code=status.HTTP_202_ACCEPTED, summary="Submit a certificate for review")
    async def submit(
        submission: QualificationSubmitted, principal: Annotated[Principal, Depends(PARTNERS)]
    ) -> SubmissionAccepted:
        if principal.role is Role.PARTNER and submission.partner_id != principal.partner_id:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "a partner may only submit in its own name")
        try:
            await qualifications.submit(submission)
        except SubmissionRefused as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, exc.reason) from exc
        return SubmissionAccepted(submission_id=submission.submission_id)

    @router.get("", summary="Qualifications, newest first: a partner sees its own, reviewers everyone's")
    async def search(
        principal: Annotated[Principal, Depends(READERS)],
        partner_id: str | None = None,
        product_line: str | None = None,
        status_is: Annotated[QualificationStatus | None, Query(alias="status")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> list[QualificationView]:
        if principal.role is Role.PARTNER:
            partner_id = principal.partner_id
        async with transactions.sessions() as session:
            found = await QualificationRepository(session).search(
                partner_id=partner_id,
                product_line=product_line,
                status=status_is.value if status_is else None,
                limit=limit,
                offset=offset,
            )
        return [_view(q) for q in found if principal.overlaps(q.regions)]

    @router.get("/requirements/{product_line}", summary="What a partner must hold to register a product line")
    async def requirement(
        product_line: str, principal: Annotated[Principal, Depends(READERS)], partner_id: str | None = None
    ) -> Requirement:
        partner = principal.partner_id if principal.role is Role.PARTNER else partner_id
        if not partner:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "name the partner with ?partner_id=")
        try:
            rules, standing = await qualifications.standing(partner, product_line)
        except RuleError as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
        async with transactions.sessions() as session:
            held = await QualificationRepository(session).search(partner_id=partner, product_line=product_line)
        held = [q for q in held if principal.overlaps(q.regions)]
        required = rules.qualification.required.get(product_line)
        return Requirement(
            partner_id=partner,
            product_line=product_line,
            rule_set=rules.id,
            rule_version=rules.version,
            required=required,
            qualified=standing.qualified,
            reason=standing.reason,
            how_to_submit=None if required is None or standing.qualified else HOW_TO_SUBMIT,
            review_deadline_hours=rules.qualification.review_deadline_hours,
            held=[_view(q) for q in held],
        )

    @router.get("/{submission_id}", summary="One qualification with the history of every change")
    async def read(submission_id: UUID, principal: Annotated[Principal, Depends(READERS)]) -> QualificationDetail:
        async with transactions.sessions() as session:
            repository = QualificationRepository(session)
            found = await repository.get(submission_id)
            # Another partner's qualification is answered exactly like a missing one.
            if found is None or (principal.role is Role.PARTNER and found.partner_id != principal.partner_id):
                raise HTTPException(status.HTTP_404_NOT_FOUND, "no such qualification")
            if not principal.overlaps(found.regions):
                raise HTTPException(status.HTTP_403_FORBIDDEN, "this qualification is valid outside your regions")
            return _detail(found, await repository.history(submission_id))

    @router.post("/{submission_id}/revoke", summary="HQ withdraws an approved qualification, effective at once")
    async def revoke(
        submission_id: UUID, revocation: Revocation, principal: Annotated[Principal, Depends(HQ)]
    ) -> QualificationDetail:
        try:
            await qualifications.revoke(submission_id, actor=principal.subject, reason=revocation.reason)
        except NotFound as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such qualification") from exc
        except IllegalTransition as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
        return await read(submission_id, principal)

    return router


def _view(q: Qualification) -> QualificationView:
    return QualificationView(
        submission_id=q.submission_id,
        partner_id=q.partner_id,
        product_line=q.product_line,
        qualification=q.name,
        certificate_number=q.certificate_number,
        issuer=q.issuer,
        valid_from=q.valid_from,
        valid_to=q.valid_to,
        scope=q.scope,
        document=DocumentView(name=q.document_name, sha256=q.document_sha256, media_type=q.document_media_type),
        status=q.status,
        reason=q.status_reason,
        decided_by=q.decided_by,
        decided_at=q.decided_at,
        review_level=q.review_level,
        review_due_at=q.review_due_at,
        submitted_at=q.submitted_at,
        rule_set=q.rule_set,
        rule_version=q.rule_version,
    )


def _detail(q: Qualification, history: list[QualificationHistory]) -> QualificationDetail:
    return QualificationDetail(
        **_view(q).model_dump(),
        history=[
            ChangeView(at=h.at, change=h.change, status=h.status, actor=h.actor, reason=h.reason) for h in history
        ],
    )
