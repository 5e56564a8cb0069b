"""Qualification's tables: every submitted certificate with its status, and the history of every change."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, ClassVar
from uuid import UUID

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from referee_shared.db.base import TYPE_ANNOTATION_MAP
from referee_shared.db.messaging import add_messaging_tables

from .domain.gating import HeldQualification
from .domain.status import LIVE, QualificationStatus


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = TYPE_ANNOTATION_MAP


messaging = add_messaging_tables(Base.metadata)


class Qualification(Base):
    """One submitted certificate of a partner for a product line, and where its review and validity stand."""

    __tablename__ = "qualifications"
    __table_args__ = (Index("ix_qualifications_partner_line", "partner_id", "product_line"),)

    submission_id: Mapped[UUID] = mapped_column(primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(64), index=True)
    product_line: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    certificate_number: Mapped[str] = mapped_column(String(80))
    certificate_key: Mapped[str] = mapped_column(String(160), index=True, default="")
    issuer: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    scope: Mapped[dict[str, Any]]
    document_name: Mapped[str] = mapped_column(String(200), default="")
    document_media_type: Mapped[str | None] = mapped_column(String(100), default=None)
    document_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    status_reason: Mapped[str] = mapped_column(String(4000), default="")
    decided_by: Mapped[str | None] = mapped_column(String(120), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    review_level: Mapped[int] = mapped_column(Integer, default=1)
    review_due_at: Mapped[datetime | None] = mapped_column(default=None)
    review_workflow_id: Mapped[str] = mapped_column(String(300), default="")
    rule_set: Mapped[str] = mapped_column(String(64), default="")
    rule_version: Mapped[int] = mapped_column(Integer, default=0)
    correlation_id: Mapped[str] = mapped_column(String(64), default="")
    submitted_at: Mapped[datetime]
    updated_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def regions(self) -> list[str]:
        return list(self.scope.get("regions", []))


class QualificationHistory(Base):
    """One change of a qualification: what changed, to which status, who did it and why."""

    __tablename__ = "qualification_history"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    submission_id: Mapped[UUID] = mapped_column(ForeignKey("qualifications.submission_id"), index=True)
    at: Mapped[datetime]
    change: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(String(4000))
    details: Mapped[dict[str, Any]]


class QualificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def held_by(self, partner_id: str, product_line: str) -> list[HeldQualification]:
        """The partner's qualifications for a line, newest first, as the gate reads them."""
        rows = await self._session.execute(
            select(Qualification)
            .where(Qualification.partner_id == partner_id, Qualification.product_line == product_line)
            .order_by(Qualification.submitted_at.desc())
        )
        return [
            HeldQualification(
                name=q.name,
                product_line=q.product_line,
                status=q.status,
                valid_from=q.valid_from,
                valid_to=q.valid_to,
                regions=tuple(q.regions),
                certificate_number=q.certificate_number,
                status_reason=q.status_reason,
            )
            for q in rows.scalars()
        ]

    async def get(self, submission_id: UUID) -> Qualification | None:
        return await self._session.get(Qualification, submission_id)

    async def get_for_update(self, submission_id: UUID) -> Qualification | None:
        return await self._session.get(Qualification, submission_id, with_for_update=True)

    async def with_key(self, certificate_key: str) -> list[Qualification]:
        """Every earlier submission of the same certificate, newest first."""
        rows = await self._session.execute(
            select(Qualification)
            .where(Qualification.certificate_key == certificate_key)
            .order_by(Qualification.submitted_at.desc())
        )
        return list(rows.scalars())

    async def live_with_key(self, certificate_key: str) -> Qualification | None:
        """The submission of this certificate that is pending or approved, if there is one."""
        return next((q for q in await self.with_key(certificate_key) if q.status in LIVE), None)

    async def renewal_of(self, qualification: Qualification) -> Qualification | None:
        """An approved certificate of the same partner and line that takes over the day after this one lapses."""
        day_after = qualification.valid_to + timedelta(days=1)
        rows = await self._session.execute(
            select(Qualification)
            .where(
                Qualification.partner_id == qualification.partner_id,
                Qualification.product_line == qualification.product_line,
                Qualification.status == QualificationStatus.APPROVED,
                Qualification.submission_id != qualification.submission_id,
                Qualification.valid_from <= day_after,
                Qualification.valid_to >= day_after,
            )
            .order_by(Qualification.valid_to.desc())
            .limit(1)
        )
        return rows.scalars().first()

    async def search(
        self,
        *,
        partner_id: str | None = None,
        product_line: str | None = None,
        status: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Qualification]:
        query = select(Qualification)
        if partner_id is not None:
            query = query.where(Qualification.partner_id == partner_id)
        if product_line is not None:
            query = query.where(Qualification.product_line == product_line)
        if status is not None:
            query = query.where(Qualification.status == status)
        query = query.order_by(Qualification.submitted_at.desc(), Qualification.submission_id).limit(limit)
        rows = await self._session.execute(query.offset(offset))
        return list(rows.scalars())

    async def history(self, submission_id: UUID) -> list[QualificationHistory]:
        rows = await self._session.execute(
            select(QualificationHistory)
            .where(QualificationHistory.submission_id == submission_id)
            .order_by(QualificationHistory.id)
        )
        return list(rows.scalars())

    def add(self, qualification: Qualification) -> None:
        self._session.add(qualification)

    def record(
        self,
        qualification: Qualification,
        change: str,
        *,
        at: datetime,
        actor: str,
        reason: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Append to the qualification's history; the row's status is already the one after the change."""
        self._session.add(
            QualificationHistory(
                submission_id=qualification.submission_id,
                at=at,
                change=change,
                status=qualification.status,
                actor=actor,
                reason=reason,
                details=details or {},
            )
        )
