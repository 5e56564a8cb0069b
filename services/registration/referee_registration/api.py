"""Registration's HTTP API: partners submit registrations and read their own leads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel

from referee_shared.auth import Principal, Role, require
from referee_shared.events.leads import LeadSubmitted
from referee_shared.outbox import Transactions
from referee_shared.topics import LEADS_SUBMITTED

from .store import LeadRepository


class SubmissionAccepted(BaseModel):
    lead_id: UUID
    status: str = "submitted"


class LeadView(BaseModel):
    lead_id: UUID
    status: str
    product_line: str
    customer_name: str
    received_at: datetime
    reason_code: str | None
    reason: str | None
    lock_expires_at: datetime | None


# Module level: FastAPI resolves these annotations by name (postponed evaluation).
Partner = Annotated[Principal, Depends(require(Role.PARTNER))]


def build_router(transactions: Transactions) -> APIRouter:
    router = APIRouter(prefix="/leads", tags=["leads"])

    @router.post("", status_code=status.HTTP_202_ACCEPTED, summary="Register a customer opportunity")
    async def submit(submission: LeadSubmitted, principal: Partner) -> SubmissionAccepted:
        if principal.role is Role.PARTNER and submission.partner_id != principal.partner_id:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "a partner may only register in its own name")
        async with transactions.begin() as tx:
            await tx.emit(LEADS_SUBMITTED, str(submission.lead_id), submission)
        return SubmissionAccepted(lead_id=submission.lead_id)

    @router.get("/{lead_id}", summary="Status and lock expiry of one of your own leads")
    async def read(lead_id: UUID, principal: Partner) -> LeadView:
        async with transactions.sessions() as session:
            leads = LeadRepository(session)
            lead = await leads.get(lead_id)
            # Another partner's lead is answered exactly like a missing one: its existence is not theirs to know.
            if lead is None or (principal.role is Role.PARTNER and lead.partner_id != principal.partner_id):
                raise HTTPException(status.HTTP_404_NOT_FOUND, "no such lead")
            lock = await leads.lock_of(lead_id)
            return LeadView(
                lead_id=lead.lead_id,
                status=lead.status,
                product_line=lead.product_line,
                customer_name=lead.customer_name,
                received_at=lead.received_at,
                reason_code=lead.reason_code,
                reason=lead.reason,
                lock_expires_at=lock.expires_at if lock and lock.status == "active" else None,
            )

    return router
