"""Registration's HTTP API for partners: submit registrations, follow their own leads through the stages,
report follow-ups, ask for more protection time, withdraw. A partner never sees another partner's lead."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field

from referee_shared.auth import Principal, Role, require
from referee_shared.events.common import Attachment, GeoPoint
from referee_shared.events.leads import ActivityKind, LeadSubmitted
from referee_shared.outbox import Transactions
from referee_shared.reasons import LEAD_STATUSES, statuses
from referee_shared.timebounds import BoundedDatetime

from ..domain.lifecycle import IllegalTransition, LeadStatus
from ..ports import ExtensionRefused, LockNotActive
from ..store import Lead, LeadRepository, TransitionRepository
from ..usecases import RegistrationUseCases
from ..usecases.locks import LeadNotFound
from ..workflows.models import ExtensionTicket

# At module level: routes' annotations are strings, resolved against this module's names.
PartnerCaller = Annotated[Principal, Depends(require(Role.PARTNER))]


class SubmissionAccepted(BaseModel):
    lead_id: UUID
    status: str = Field(default="submitted", json_schema_extra=statuses(("submitted",), "always submitted"))


class TransitionView(BaseModel):
    from_status: str | None = Field(json_schema_extra=statuses((*LEAD_STATUSES, None), "the status before"))
    to_status: str = Field(json_schema_extra=statuses(LEAD_STATUSES, "the status after"))
    at: datetime
    actor: str
    reason: str


class LeadView(BaseModel):
    lead_id: UUID
    status: str = Field(json_schema_extra=statuses(LEAD_STATUSES, "where the lead stands"))
    product_line: str
    customer_name: str
    received_at: datetime
    reason_code: str | None
    reason: str | None
    lock_expires_at: datetime | None = Field(description="while the lead holds its lock: when protection ends")
    protected_until: datetime | None = Field(description="for a duplicate: until when the customer is protected")
    extensions_granted: int = 0
    pending_extension_task: str | None = None
    history: list[TransitionView] = Field(default_factory=list)


class SalesStage(StrEnum):
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    PROPOSAL = "proposal"
    NEGOTIATION = "negotiation"


class StageMove(BaseModel):
    stage: SalesStage
    note: str = Field(default="", max_length=2000)


class Withdrawal(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class ExtensionAsk(BaseModel):
    days: int = Field(ge=1, le=3650, description="how many more days; the rule set caps it")
    reason: str = Field(min_length=1, max_length=2000)


class ActivityReport(BaseModel):
    activity_id: UUID = Field(default_factory=uuid4, description="chosen by the portal; resending it is one activity")
    kind: ActivityKind
    summary: str = Field(min_length=1, max_length=4000)
    contact: str | None = Field(default=None, max_length=100)
    location: GeoPoint | None = None
    attachments: list[Attachment] = Field(default_factory=list, max_length=50)
    partner_claimed_at: BoundedDatetime | None = None


def build_router(transactions: Transactions, use_cases: RegistrationUseCases) -> APIRouter:
    router = APIRouter(prefix="/leads", tags=["leads"])

    def own(principal: Principal) -> str | None:
        """The partner a caller is limited to; None for an admin, who sees every lead."""
        return principal.partner_id if principal.role is Role.PARTNER else None

    @router.post("", status_code=status.HTTP_202_ACCEPTED, summary="Register a customer opportunity")
    async def submit(submission: LeadSubmitted, principal: PartnerCaller) -> SubmissionAccepted:
        if principal.role is Role.PARTNER and submission.partner_id != principal.partner_id:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "a partner may only register in its own name")
        await use_cases.intake.submit(submission)
        return SubmissionAccepted(lead_id=submission.lead_id)

    @router.get("", summary="Your own leads, newest first")
    async def list_leads(
        principal: PartnerCaller,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> list[LeadView]:
        partner = own(principal)
        if partner is None:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "listing is per partner; read a lead by its id")
        async with transactions.sessions() as session:
            leads = LeadRepository(session)
            found = await leads.of_partner(partner, limit=limit, offset=offset)
            return [await _view(leads, lead) for lead in found]

    @router.get("/{lead_id}", summary="Status, lock expiry and history of one of your own leads")
    async def read(lead_id: UUID, principal: PartnerCaller) -> LeadView:
        async with transactions.sessions() as session:
            leads = LeadRepository(session)
            lead = await leads.get(lead_id)
            # Another partner's lead is answered exactly like a missing one: its existence is not theirs to know.
            if lead is None or (own(principal) is not None and lead.partner_id != own(principal)):
                raise HTTPException(status.HTTP_404_NOT_FOUND, "no such lead")
            view = await _view(leads, lead)
            view.history = [
                TransitionView.model_validate(t, from_attributes=True)
                for t in await TransitionRepository(session).of_lead(lead_id)
            ]
            return view

    @router.post("/{lead_id}/stage", summary="Move your lead to the next sales stage")
    async def move_stage(lead_id: UUID, move: StageMove, principal: PartnerCaller) -> LeadView:
        with _refusals():
            await use_cases.sales.move_stage(
                lead_id,
                own(principal),
                LeadStatus(move.stage.value),
                actor=principal.partner_id or principal.subject,
                note=move.note,
            )
        return await read(lead_id, principal)

    @router.post("/{lead_id}/withdraw", summary="Give the customer up: the lock is released for others")
    async def withdraw(lead_id: UUID, withdrawal: Withdrawal, principal: PartnerCaller) -> LeadView:
        with _refusals():
            await use_cases.sales.withdraw(
                lead_id, own(principal), actor=principal.partner_id or principal.subject, reason=withdrawal.reason
            )
        return await read(lead_id, principal)

    @router.post(
        "/{lead_id}/extension",
        status_code=status.HTTP_202_ACCEPTED,
        summary="Ask a reviewer for more protection time (limits come from the rule set)",
    )
    async def ask_extension(lead_id: UUID, ask: ExtensionAsk, principal: PartnerCaller) -> ExtensionTicket:
        with _refusals():
            return await use_cases.locks.request_extension(
                lead_id,
                own(principal),
                days=ask.days,
                reason=ask.reason,
                requested_by=principal.partner_id or principal.subject,
            )

    @router.post(
        "/{lead_id}/activities",
        status_code=status.HTTP_202_ACCEPTED,
        summary="Report a follow-up (published to leads.activities; the broker's time is the activity's time)",
    )
    async def report_activity(lead_id: UUID, report: ActivityReport, principal: PartnerCaller) -> dict[str, UUID]:
        with _refusals():
            await use_cases.follow_ups.report(lead_id, own(principal), report.model_dump())
        return {"activity_id": report.activity_id}

    return router


async def _view(leads: LeadRepository, lead: Lead) -> LeadView:
    lock = await leads.lock_of(lead.lead_id)
    active = lock is not None and lock.status == "active"
    return LeadView(
        lead_id=lead.lead_id,
        status=lead.status,
        product_line=lead.product_line,
        customer_name=lead.customer_name,
        received_at=lead.received_at,
        reason_code=lead.reason_code,
        reason=lead.reason,
        lock_expires_at=lock.expires_at if lock and active else None,
        protected_until=lead.protected_until,
        extensions_granted=lock.extensions_granted if lock else 0,
        pending_extension_task=lock.pending_task_id if lock and active else None,
    )


@contextmanager
def _refusals() -> Iterator[None]:
    """Domain refusals as HTTP answers that say why."""
    try:
        yield
    except LeadNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such lead") from exc
    except (IllegalTransition, ExtensionRefused, LockNotActive) as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
