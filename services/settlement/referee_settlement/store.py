"""Settlement's tables: closed deals and payment reports as received."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

from sqlalchemy import Numeric, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from referee_shared.db.base import TYPE_ANNOTATION_MAP
from referee_shared.db.messaging import add_messaging_tables


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = TYPE_ANNOTATION_MAP


messaging = add_messaging_tables(Base.metadata)


class Deal(Base):
    __tablename__ = "deals"

    deal_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    lead_id: Mapped[UUID] = mapped_column(index=True)
    outcome: Mapped[str] = mapped_column(String(8))
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))
    closed_at: Mapped[datetime]
    contributors: Mapped[list[Any]]
    received_at: Mapped[datetime]


class PaymentReport(Base):
    __tablename__ = "payment_reports"

    payment_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    statement_id: Mapped[UUID] = mapped_column(index=True)
    line_id: Mapped[UUID] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(8))
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    reference: Mapped[str] = mapped_column(String(100))
    failure_reason: Mapped[str] = mapped_column(String(1000))
    reported_at: Mapped[datetime]
    received_at: Mapped[datetime]
