"""Disputes as arbitration announced them on disputes.events: who the parties are, and who ruled how."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from ..store import Base


class DisputeSeen(Base):
    __tablename__ = "disputes_seen"

    dispute_id: Mapped[UUID] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    parties: Mapped[list[Any]]
    rulings: Mapped[list[Any]]
    """every ruling step announced: {"by", "outcome", "level"}"""
    updated_at: Mapped[datetime]


async def dispute_seen(session: AsyncSession, dispute_id: UUID) -> DisputeSeen | None:
    return await session.get(DisputeSeen, dispute_id, with_for_update=True)
