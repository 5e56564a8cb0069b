"""A partner asks for more protection time on one of its leads; the rule's limits are shown before asking."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..clients import ServiceRefused
from ..web import console
from .partner import Partner, lead_page

router = APIRouter(prefix="/partner")


@router.post("/leads/{lead_id}/extension", response_class=HTMLResponse)
async def ask_extension(
    request: Request,
    user: Partner,
    lead_id: UUID,
    days: Annotated[int, Form(ge=1, le=3650)],
    reason: Annotated[str, Form(min_length=1, max_length=2000)],
) -> Response:
    try:
        await console(request).services.post(
            user, "registration", f"/leads/{lead_id}/extension", {"days": days, "reason": reason.strip()}
        )
    except ServiceRefused as refused:
        if refused.status not in (409, 422):
            raise
        return await lead_page(request, user, lead_id, status_code=refused.status, extension_problem=refused.detail)
    return RedirectResponse(f"/partner/leads/{lead_id}?extension=1", status_code=303)
