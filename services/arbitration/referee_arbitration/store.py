"""Arbitration's tables: disputes as opened."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from sqlalchemy import String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from referee_shared.db.base import TYPE_ANNOTATION_MAP
from referee_shared.db.messaging import add_messaging_tables


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = TYPE_ANNOTATION_MAP


messaging = add_messaging_tables(Base.metadata)


class Dispute(Base):
    __tablename__ = "disputes"

    dispute_id: Mapped[UUID] = mapped_column(primary_key=True)
    opened_by: Mapped[str] = mapped_column(String(16))
    claimant_id: Mapped[str] = mapped_column(String(64), index=True)
    respondent_ids: Mapped[list[Any]]
    lead_id: Mapped[UUID | None]
    customer_key: Mapped[str | None] = mapped_column(String(80))
    claim: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[Any]]
    status: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime]
    correlation_id: Mapped[str] = mapped_column(String(64))
