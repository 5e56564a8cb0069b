"""The partners table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from ..store import Base


class PartnerRow(Base):
    __tablename__ = "partners"

    partner_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(16))
    regions: Mapped[list[Any]]
    status: Mapped[str] = mapped_column(String(16))
    producers: Mapped[list[Any]]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(120))


class PartnerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, partner_id: str) -> PartnerRow | None:
        return await self._session.get(PartnerRow, partner_id)

    async def get_for_update(self, partner_id: str) -> PartnerRow | None:
        return await self._session.get(PartnerRow, partner_id, with_for_update=True)

    def add(self, row: PartnerRow) -> None:
        self._session.add(row)

    async def all(self) -> list[PartnerRow]:
        return list((await self._session.execute(select(PartnerRow).order_by(PartnerRow.partner_id))).scalars())
