"""Disputes over HTTP: parties open, read, add statements and appeal; reviewers and arbiters read the
case file and rule; HQ reads the figures."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from referee_shared.auth import Principal, Role, require
from referee_shared.events.common import Attachment, PartyId
from referee_shared.events.disputes import CreditShare, DisputeOpened, OpenedBy
from referee_shared.timebounds import BoundedDate

from .domain.figures import FigureRow, Period
from .domain.ruling import CHOICES
from .domain.status import DisputeStatus
from .ports import EvidenceUnavailable
from .usecases.access import Refused
from .usecases.casefiles import CaseFiles
from .usecases.opening import Opening
from .usecases.participation import Participation
from .views.casefile_text import render_case_file
from .views.disputes import CaseFileView, DisputeSummary


class OpenRequest(BaseModel):
    dispute_id: UUID = Field(default_factory=uuid4, description="choose it to make retries safe")
    claimant_id: PartyId | None = Field(default=None, description="HQ only: whom HQ opens the dispute for")
    respondent_ids: list[PartyId] = Field(min_length=1, max_length=10)
    lead_id: UUID | None = None
    customer_key: str | None = None
    claim: str = Field(min_length=1, max_length=8000)
    attachments: list[Attachment] = Field(default_factory=list, max_length=50)


class StatementRequest(BaseModel):
    text: str = Field(min_length=1, max_length=8000)
    attachments: list[Attachment] = Field(default_factory=list, max_length=50)


class AppealRequest(BaseModel):
    grounds: str = Field(min_length=1, max_length=8000, description="why the ruling is wrong")


class RulingRequest(BaseModel):
    choice: str = Field(description=", ".join(CHOICES))
    reason: str = Field(min_length=1, max_length=8000, description="always required: the written reason")
    shares: list[CreditShare] | None = Field(
        default=None, description="for share: each party's ratio, summing to 1 (equal shares if omitted)"
    )


class Accepted(BaseModel):
    dispute_id: UUID
    result: str


Anyone = Annotated[Principal, Depends(require(Role.PARTNER, Role.REVIEWER, Role.ARBITER))]
Opener = Annotated[Principal, Depends(require(Role.PARTNER, Role.ARBITER))]
Party = Annotated[Principal, Depends(require(Role.PARTNER))]
Staff = Annotated[Principal, Depends(require(Role.REVIEWER, Role.ARBITER))]
FigureReader = Annotated[Principal, Depends(require(Role.REVIEWER, Role.ARBITER, Role.CHANNEL_MANAGER))]


def build_router(opening: Opening, participation: Participation, case_files: CaseFiles) -> APIRouter:
    router = APIRouter(prefix="/disputes", tags=["disputes"])

    @router.post(
        "", status_code=status.HTTP_201_CREATED, summary="Open a dispute (a partner for itself, HQ for anyone)"
    )
    async def open_dispute(request: OpenRequest, principal: Opener) -> CaseFileView:
        opened = _opened(request, principal)
        try:
            dispute = await opening.open(opened, correlation_id=str(opened.dispute_id))
        except EvidenceUnavailable as exc:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"the evidence cannot be read now: {exc}") from exc
        if dispute.state is DisputeStatus.REFUSED:
            detail = {
                "dispute_id": str(dispute.dispute_id),
                "reason_code": dispute.refusal_code,
                "reason": dispute.refusal_reason,
            }
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail)
        with _refusals():
            return await case_files.case_file(principal, dispute.dispute_id)

    @router.get("", summary="The disputes you may see, newest first")
    async def listing(
        principal: Anyone, state: Annotated[DisputeStatus | None, Query(alias="status")] = None
    ) -> list[DisputeSummary]:
        return await case_files.listing(principal, status=state.value if state else None)

    @router.get("/figures", summary="Disputes opened, resolved, escalated, time to ruling and conflict rate")
    async def dispute_figures(
        _principal: FigureReader,
        period: Period = Period.MONTH,
        since: BoundedDate | None = None,
        until: BoundedDate | None = None,
    ) -> list[FigureRow]:
        end = datetime.combine(until, time(), UTC) + timedelta(days=1) if until else datetime.now(UTC)
        start = datetime.combine(since, time(), UTC) if since else end - timedelta(days=365)
        if start >= end:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "since must be before until")
        return await case_files.figures(period=period, since=start, until=end)

    @router.get("/{dispute_id}", summary="One dispute: claim, statements, steps, rulings (and for staff, the evidence)")
    async def one(dispute_id: UUID, principal: Anyone) -> CaseFileView:
        with _refusals():
            return await case_files.case_file(principal, dispute_id)

    @router.get(
        "/{dispute_id}/case-file", response_class=PlainTextResponse, summary="The case file as text, for arbiters"
    )
    async def case_file_text(dispute_id: UUID, principal: Staff) -> str:
        with _refusals():
            return render_case_file(await case_files.case_file(principal, dispute_id))

    @router.post(
        "/{dispute_id}/statements",
        status_code=status.HTTP_201_CREATED,
        summary="Add a statement (parties, in the window)",
    )
    async def add_statement(dispute_id: UUID, request: StatementRequest, principal: Party) -> Accepted:
        with _refusals():
            await participation.add_statement(principal, dispute_id, request.text, request.attachments)
        return Accepted(dispute_id=dispute_id, result="statement added")

    @router.post(
        "/{dispute_id}/appeal",
        status_code=status.HTTP_202_ACCEPTED,
        summary="Appeal the ruling (parties, in the window)",
    )
    async def appeal(dispute_id: UUID, request: AppealRequest, principal: Party) -> Accepted:
        with _refusals():
            return Accepted(
                dispute_id=dispute_id, result=await participation.appeal(principal, dispute_id, request.grounds)
            )

    @router.post(
        "/{dispute_id}/ruling", summary="Rule on the open review (the inbox does the same; this one takes share ratios)"
    )
    async def rule(dispute_id: UUID, request: RulingRequest, principal: Staff) -> Accepted:
        with _refusals():
            result = await participation.rule(principal, dispute_id, request.choice, request.reason, request.shares)
        return Accepted(dispute_id=dispute_id, result=result)

    return router


def _opened(request: OpenRequest, principal: Principal) -> DisputeOpened:
    if principal.role is Role.PARTNER:
        if request.claimant_id not in (None, principal.partner_id):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "a partner opens disputes only for itself")
        claimant, by = principal.partner_id, OpenedBy.PARTNER
    else:
        if request.claimant_id is None:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "HQ must name the claimant_id")
        claimant, by = request.claimant_id, OpenedBy.HQ
    return DisputeOpened(
        dispute_id=request.dispute_id,
        opened_by=by,
        claimant_id=claimant or "",
        respondent_ids=request.respondent_ids,
        lead_id=request.lead_id,
        customer_key=request.customer_key,
        claim=request.claim,
        attachments=request.attachments,
    )


class _refusals:
    """Turn a Refused into the HTTP status and reason it carries."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, _tb: object) -> None:
        if isinstance(exc, Refused):
            detail = f"{exc.reason_code}: {exc.reason}" if exc.reason_code else exc.reason
            raise HTTPException(exc.status, detail) from exc
