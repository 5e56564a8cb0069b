"""The partner registry over HTTP, for admins: list, read, create or change a partner (suspend = status)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status

from referee_shared.auth import Principal, Role, require

from .domain import PartnerRecord
from .usecases import PartnerDirectory


def build_router(directory: PartnerDirectory) -> APIRouter:
    router = APIRouter(prefix="/partners", tags=["partners"])
    admin = Depends(require(Role.ADMIN))

    @router.get("", summary="Every registered partner", dependencies=[admin])
    async def list_partners() -> list[PartnerRecord]:
        return await directory.all()

    @router.get("/{partner_id}", summary="One partner's record", dependencies=[admin])
    async def get_partner(partner_id: str) -> PartnerRecord:
        found = await directory.get(partner_id)
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no partner {partner_id}; create it with PUT")
        return found

    @router.put(
        "/{partner_id}",
        summary="Create or change a partner (channel, regions, status, the systems that act for it)",
    )
    async def put_partner(
        partner_id: str, record: PartnerRecord, who: Annotated[Principal, Depends(require(Role.ADMIN))]
    ) -> PartnerRecord:
        if record.partner_id != partner_id:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, "the body's partner_id must match the path")
        saved, _changed = await directory.put(record, actor=who.subject)
        return saved

    return router
