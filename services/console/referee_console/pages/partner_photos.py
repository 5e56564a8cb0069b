"""A follow-up's photo, by its digest: the partner that uploaded it, or staff reading the evidence."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import FileResponse, Response

from ..photos import photos
from ..roles import ConsoleRole
from ..users import User
from ..web import allowed

router = APIRouter(prefix="/photos")
Reader = Annotated[User, allowed(ConsoleRole.PARTNER, ConsoleRole.REVIEWER, ConsoleRole.ARBITER)]


@router.get("/{sha256}")
async def photo(request: Request, user: Reader, sha256: str) -> Response:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such photo")
    owner = user.partner_id if user.role is ConsoleRole.PARTNER else None
    found = await photos(request).find(sha256, owner)
    if found is None:  # another partner's photo looks like no photo at all
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such photo")
    return FileResponse(
        photos(request).path(sha256),
        media_type=found.media_type,
        headers={"Cache-Control": "private, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"},
    )
