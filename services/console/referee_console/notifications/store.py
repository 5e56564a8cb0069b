"""The notification centre's tables and the one repository over them.

Notifications are stored once per event and audience (the key makes a redelivered event change
nothing); what is owed to mail boxes and webhooks is queued in the same transaction (``outgoing``) and
sent by the dispatcher, so a slow mail server or a partner's broken endpoint never holds up the feed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from referee_shared.db.base import UtcDateTime

from ..users import Base, User
from .audience import Audience, reaches
from .routing import Draft


class NotificationRecord(Base):
    __tablename__ = "console_notifications"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    partner_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    role: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    region: Mapped[str | None] = mapped_column(String(64), nullable=True)
    params: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    link: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ReadMark(Base):
    __tablename__ = "console_notification_reads"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_seq: Mapped[int] = mapped_column(Integer, default=0)


class MailSetting(Base):
    __tablename__ = "console_mail_settings"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class WebhookRecord(Base):
    __tablename__ = "console_webhooks"

    webhook_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(64), index=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OutgoingRecord(Base):
    __tablename__ = "console_outgoing"

    outgoing_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(10))  # mail | webhook
    target: Mapped[str] = mapped_column(String(254))  # an address, or a webhook id
    notification_seq: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")


class HeardTask(Base):
    """Tasks the console heard open: a reminder names only the task, the opening says for whom."""

    __tablename__ = "console_heard_tasks"

    task_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    opened: Mapped[dict[str, Any]] = mapped_column(JSON)


class StatementLineRecord(Base):
    """Each statement line as the console heard it, with its payment: a partner's statement page reads it,
    and a payment report (which names only the line) finds its party here."""

    __tablename__ = "console_statement_lines"

    line_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    party_id: Mapped[str] = mapped_column(String(64), index=True)
    statement_id: Mapped[str] = mapped_column(String(36))
    deal_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[str] = mapped_column(String(24))
    rule: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    payment: Mapped[str] = mapped_column(String(10), default="unpaid")  # unpaid | paid | failed
    payment_reference: Mapped[str] = mapped_column(String(100), default="")
    failure_reason: Mapped[str] = mapped_column(Text, default="")
    reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class ProtectionRecord(Base):
    """Each lock as leads.locks told it: which customer (or slice) is protected until when, and for whom."""

    __tablename__ = "console_protections"

    lock_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer: Mapped[str] = mapped_column(String(200), index=True)  # dedup's customer key, without the slice
    partner_id: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    active: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LocalDeadLetter(Base):
    """A message the console could not turn into notifications, kept with the reason (it writes no topics)."""

    __tablename__ = "console_dead_letters"

    letter_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    record: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


@dataclass(frozen=True)
class Notification:
    seq: int
    kind: str
    audience: Audience
    params: dict[str, str]
    link: str | None
    created_at: datetime

    @classmethod
    def of(cls, record: NotificationRecord) -> Notification:
        audience = Audience(record.partner_id, record.role, record.region)
        return cls(record.seq, record.kind, audience, dict(record.params), record.link, record.created_at)


@dataclass(frozen=True)
class Due:
    """One mail or webhook call owed, with what it needs to be made."""

    outgoing_id: int
    channel: str
    target: str
    attempts: int
    notification: Notification


class NotificationStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def record(
        self, event_id: str, drafts: Sequence[Draft], now: datetime, mailboxes: Sequence[tuple[User, str]]
    ) -> list[Notification]:
        """Store the event's notifications (those not stored before) and queue their mails and webhooks."""
        stored: list[Notification] = []
        async with self._sessions() as session, session.begin():
            for draft in drafts:
                key = f"{event_id}:{draft.kind}:{draft.audience.key}"
                if await session.scalar(select(NotificationRecord.seq).where(NotificationRecord.key == key)):
                    continue
                row = NotificationRecord(
                    key=key,
                    kind=draft.kind,
                    partner_id=draft.audience.partner_id,
                    role=draft.audience.role,
                    region=draft.audience.region,
                    params=dict(draft.params),
                    link=draft.link,
                    created_at=now,
                )
                session.add(row)
                await session.flush()
                notification = Notification.of(row)
                stored.append(notification)
                for user, address in mailboxes:
                    if reaches(draft.audience, user):
                        session.add(_owed("mail", address, row.seq, now))
                if draft.audience.partner_id is not None:
                    hooks = await session.scalars(
                        select(WebhookRecord.webhook_id).where(WebhookRecord.partner_id == draft.audience.partner_id)
                    )
                    for hook in hooks:
                        session.add(_owed("webhook", hook, row.seq, now))
        return stored

    async def latest_seq(self) -> int:
        async with self._sessions() as session:
            return int(await session.scalar(select(func.max(NotificationRecord.seq))) or 0)

    async def for_user(self, user: User, *, after: int = 0, limit: int = 50) -> list[Notification]:
        """The newest notifications that reach the user (newest first), only those after ``after``."""
        query = select(NotificationRecord).where(NotificationRecord.seq > after)
        if user.partner_id is not None:
            query = query.where(NotificationRecord.partner_id == user.partner_id)
        else:
            query = query.where(NotificationRecord.role.is_not(None))
            if user.role.value != "admin":
                query = query.where(NotificationRecord.role == user.role.value)
        found: list[Notification] = []
        async with self._sessions() as session:
            # Regions are matched by prefix, as the inbox does; the page is filled from a few batches at most.
            offset = 0
            while len(found) < limit:
                batch = list(
                    await session.scalars(query.order_by(NotificationRecord.seq.desc()).offset(offset).limit(limit * 2))
                )
                found += [n for n in map(Notification.of, batch) if reaches(n.audience, user)]
                if len(batch) < limit * 2:
                    break
                offset += len(batch)
        return found[:limit]

    async def seen(self, username: str) -> int:
        async with self._sessions() as session:
            mark = await session.get(ReadMark, username)
            return mark.seen_seq if mark else 0

    async def mark_seen(self, username: str, seq: int) -> None:
        async with self._sessions() as session, session.begin():
            mark = await session.get(ReadMark, username)
            if mark is None:
                session.add(ReadMark(username=username, seen_seq=seq))
            elif seq > mark.seen_seq:
                mark.seen_seq = seq

    async def unread(self, user: User) -> int:
        return len(await self.for_user(user, after=await self.seen(user.username), limit=100))

    # -- state the routing needs --------------------------------------------------------------------

    async def remember_task(self, task_id: str, opened: dict[str, Any]) -> None:
        async with self._sessions() as session, session.begin():
            if await session.get(HeardTask, task_id) is None:
                session.add(HeardTask(task_id=task_id, opened=opened))

    async def heard_task(self, task_id: str) -> dict[str, Any] | None:
        async with self._sessions() as session:
            found = await session.get(HeardTask, task_id)
            return dict(found.opened) if found else None

    async def remember_lines(self, lines: Sequence[StatementLineRecord]) -> None:
        async with self._sessions() as session, session.begin():
            for line in lines:
                if await session.get(StatementLineRecord, line.line_id) is None:
                    session.add(line)

    async def record_payment(
        self, line_id: str, *, paid: bool, reference: str, failure_reason: str, reported_at: datetime
    ) -> None:
        async with self._sessions() as session, session.begin():
            line = await session.get(StatementLineRecord, line_id)
            if line is None:
                return
            if line.reported_at is None or reported_at >= line.reported_at:  # the latest report tells the state
                line.payment = "paid" if paid else "failed"
                line.payment_reference, line.failure_reason, line.reported_at = reference, failure_reason, reported_at

    async def lines_of(self, party_id: str, limit: int = 200) -> list[StatementLineRecord]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(StatementLineRecord)
                .where(StatementLineRecord.party_id == party_id)
                .order_by(StatementLineRecord.issued_at.desc())
                .limit(limit)
            )
            return list(rows)

    async def party_of_line(self, line_id: str) -> str | None:
        async with self._sessions() as session:
            found = await session.get(StatementLineRecord, line_id)
            return found.party_id if found else None

    async def record_lock(
        self, lock_id: str, customer_key: str, partner_id: str, expires_at: datetime, active: bool, at: datetime
    ) -> None:
        """Keep a lock's latest state (a later change wins; an older one arriving late changes nothing)."""
        async with self._sessions() as session, session.begin():
            found = await session.get(ProtectionRecord, lock_id)
            if found is None:
                session.add(
                    ProtectionRecord(
                        lock_id=lock_id,
                        customer=customer_key.split("#", 1)[0],
                        partner_id=partner_id,
                        expires_at=expires_at,
                        active=active,
                        changed_at=at,
                    )
                )
            elif at >= found.changed_at:
                found.partner_id, found.expires_at, found.active, found.changed_at = partner_id, expires_at, active, at

    async def protections(self, customers: Sequence[str], now: datetime) -> list[ProtectionRecord]:
        """The locks in force now on these customers (any of their slices)."""
        if not customers:
            return []
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ProtectionRecord).where(
                    ProtectionRecord.customer.in_([c.split("#", 1)[0] for c in customers]),
                    ProtectionRecord.active.is_(True),
                    ProtectionRecord.expires_at > now,
                )
            )
            return list(rows)

    async def keep_dead_letter(self, topic: str, reason: str, record: str, now: datetime) -> None:
        async with self._sessions() as session, session.begin():
            session.add(LocalDeadLetter(topic=topic, reason=reason, record=record, at=now))

    async def dead_letters(self) -> list[tuple[str, str]]:
        async with self._sessions() as session:
            rows = await session.execute(select(LocalDeadLetter.topic, LocalDeadLetter.reason))
            return [(t, r) for t, r in rows.all()]

    # -- mail settings and webhooks -----------------------------------------------------------------

    async def mailboxes(self) -> dict[str, str]:
        """username -> address, for the users who asked for mail."""
        async with self._sessions() as session:
            rows = await session.scalars(select(MailSetting).where(MailSetting.enabled.is_(True)))
            return {r.username: r.email for r in rows}

    async def mail_setting(self, username: str) -> tuple[str, bool]:
        async with self._sessions() as session:
            found = await session.get(MailSetting, username)
            return (found.email, found.enabled) if found else ("", False)

    async def set_mail(self, username: str, email: str, enabled: bool) -> None:
        async with self._sessions() as session, session.begin():
            found = await session.get(MailSetting, username)
            if found is None:
                session.add(MailSetting(username=username, email=email, enabled=enabled))
            else:
                found.email, found.enabled = email, enabled

    async def add_webhook(self, record: WebhookRecord) -> None:
        async with self._sessions() as session, session.begin():
            session.add(record)

    async def webhooks(self, partner_id: str) -> list[WebhookRecord]:
        async with self._sessions() as session:
            rows = await session.scalars(select(WebhookRecord).where(WebhookRecord.partner_id == partner_id))
            return list(rows)

    async def webhook(self, webhook_id: str) -> WebhookRecord | None:
        async with self._sessions() as session:
            return await session.get(WebhookRecord, webhook_id)

    async def remove_webhook(self, partner_id: str, webhook_id: str) -> None:
        async with self._sessions() as session, session.begin():
            found = await session.get(WebhookRecord, webhook_id)
            if found is not None and found.partner_id == partner_id:
                await session.delete(found)

    async def deliveries(self, webhook_id: str, limit: int = 10) -> list[OutgoingRecord]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(OutgoingRecord)
                .where(OutgoingRecord.channel == "webhook", OutgoingRecord.target == webhook_id)
                .order_by(OutgoingRecord.outgoing_id.desc())
                .limit(limit)
            )
            return list(rows)

    # -- the dispatcher's queue ---------------------------------------------------------------------

    async def due(self, now: datetime, limit: int = 50) -> list[Due]:
        async with self._sessions() as session:
            rows = await session.execute(
                select(OutgoingRecord, NotificationRecord)
                .join(NotificationRecord, NotificationRecord.seq == OutgoingRecord.notification_seq)
                .where(OutgoingRecord.status == "pending", OutgoingRecord.next_at <= now)
                .order_by(OutgoingRecord.next_at)
                .limit(limit)
            )
            return [Due(o.outgoing_id, o.channel, o.target, o.attempts, Notification.of(n)) for o, n in rows.all()]

    async def settle(self, outgoing_id: int, *, status: str, attempts: int, next_at: datetime, error: str) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(OutgoingRecord)
                .where(OutgoingRecord.outgoing_id == outgoing_id)
                .values(status=status, attempts=attempts, next_at=next_at, last_error=error[:2000])
            )


def _owed(channel: str, target: str, seq: int, now: datetime) -> OutgoingRecord:
    return OutgoingRecord(
        channel=channel, target=target, notification_seq=seq, status="pending", attempts=0, next_at=now, last_error=""
    )
