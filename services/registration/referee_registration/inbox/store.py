"""The inbox table: one row per reviewer task, as opened and closed on tasks.events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text, false, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from ..store import Base


class InboxTask(Base):
    __tablename__ = "inbox_tasks"

    task_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(16), index=True)
    level: Mapped[int]
    workflow_id: Mapped[str] = mapped_column(String(200))
    update_name: Mapped[str] = mapped_column(String(60))
    choices: Mapped[list[Any]]
    details: Mapped[dict[str, Any]]
    due_at: Mapped[datetime | None]
    region: Mapped[str | None] = mapped_column(String(60), index=True)
    subject_party_ids: Mapped[list[Any]]
    opened_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), index=True)
    outcome: Mapped[str | None] = mapped_column(String(40))
    decided_by: Mapped[str | None] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    overdue: Mapped[bool] = mapped_column(default=False, server_default=false())


class InboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, task_id: str) -> InboxTask | None:
        return await self._session.get(InboxTask, task_id)

    def add(self, task: InboxTask) -> None:
        self._session.add(task)

    async def listing(self, *, roles: list[str], status: str | None, kind: str | None) -> list[InboxTask]:
        query = select(InboxTask).where(InboxTask.role.in_(roles)).order_by(InboxTask.due_at, InboxTask.opened_at)
        if status:
            query = query.where(InboxTask.status == status)
        if kind:
            query = query.where(InboxTask.kind == kind)
        return list((await self._session.execute(query)).scalars())
