"""A partner refused as a duplicate contests the refusal: it opens a dispute about its own lead with a
statement. It is never told who holds the customer, so it names nobody: arbitration takes the holder from
the evidence trail as the respondent, whoever the claim names (docs/arbitration.md, "Opening a dispute")."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..clients import ServiceRefused
from ..reasons import refusal_text
from ..web import console, language
from .partner import Partner, lead_page
from .partner_disputes import TEXT_MAX

router = APIRouter(prefix="/partner/leads")
# A partner's dispute must name a respondent; arbitration replaces it with the holder on the trail.
UNNAMED_RESPONDENT = "respondent"


@router.post("/{lead_id}/dispute", response_class=HTMLResponse)
async def open_dispute(
    request: Request,
    user: Partner,
    lead_id: UUID,
    dispute_id: Annotated[UUID, Form()],
    claim: Annotated[str, Form(min_length=1, max_length=TEXT_MAX)],
) -> Response:
    opening: dict[str, Any] = {
        "dispute_id": str(dispute_id),
        "lead_id": str(lead_id),
        "respondent_ids": [UNNAMED_RESPONDENT],
        "claim": claim.strip(),
    }
    try:
        await console(request).services.post(user, "arbitration", "/disputes", opening)
    except ServiceRefused as refused:
        if refused.status not in (403, 409, 422):
            raise
        problem = refusal_text(refused.detail, language(request))
        return await lead_page(request, user, lead_id, status_code=refused.status, dispute_problem=problem)
    return RedirectResponse(f"/partner/disputes/{dispute_id}?opened=1", status_code=303)
