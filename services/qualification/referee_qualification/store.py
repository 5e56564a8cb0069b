"""Qualification's tables: submitted and approved qualifications per partner and product line."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID

from sqlalchemy import Date, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from referee_shared.db.base import TYPE_ANNOTATION_MAP
from referee_shared.db.messaging import add_messaging_tables

from .domain.gating import HeldQualification


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = TYPE_ANNOTATION_MAP


messaging = add_messaging_tables(Base.metadata)


class Qualification(Base):
    __tablename__ = "qualifications"

    submission_id: Mapped[UUID] = mapped_column(primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(64), index=True)
    product_line: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    certificate_number: Mapped[str] = mapped_column(String(80))
    issuer: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    scope: Mapped[dict[str, Any]]
    document_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    submitted_at: Mapped[datetime]


class QualificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def held_by(self, partner_id: str, product_line: str) -> list[HeldQualification]:
        rows = await self._session.execute(
            select(Qualification).where(
                Qualification.partner_id == partner_id, Qualification.product_line == product_line
            )
        )
        return [
            HeldQualification(
                name=q.name,
                product_line=q.product_line,
                status=q.status,
                valid_from=q.valid_from,
                valid_to=q.valid_to,
                regions=tuple(q.scope.get("regions", [])),
            )
            for q in rows.scalars()
        ]

    async def get(self, submission_id: UUID) -> Qualification | None:
        return await self._session.get(Qualification, submission_id)

    def add(self, qualification: Qualification) -> None:
        self._session.add(qualification)
