"""Console users: a role, for partners the partner and channel they act for, for reviewers their regions.

Passwords are stored as argon2id hashes; the partner, channel and regions come from these records, never
from what a browser sends.
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import JSON, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .roles import ConsoleRole

_hasher = PasswordHasher()


class Base(DeclarativeBase):
    pass


class UserRecord(Base):
    __tablename__ = "console_users"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(32))
    partner_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    channel: Mapped[str | None] = mapped_column(String(16), nullable=True)
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    password_hash: Mapped[str] = mapped_column(String(200))


class DisabledUser(Base):
    """A user the admin disabled: it cannot sign in, and its open sessions name nobody any more."""

    __tablename__ = "console_disabled_users"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: ConsoleRole
    partner_id: str | None
    channel: str | None
    regions: tuple[str, ...]
    disabled: bool = False

    @classmethod
    def of(cls, record: UserRecord, disabled: bool = False) -> User:
        return cls(
            username=record.username,
            display_name=record.display_name,
            role=ConsoleRole(record.role),
            partner_id=record.partner_id,
            channel=record.channel,
            regions=tuple(record.regions or ()),
            disabled=disabled,
        )


class Users:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(
        self,
        username: str,
        password: str,
        *,
        display_name: str,
        role: ConsoleRole,
        partner_id: str | None = None,
        channel: str | None = None,
        regions: list[str] | None = None,
    ) -> User:
        if role is ConsoleRole.PARTNER and not (partner_id and channel):
            raise ValueError("a partner user must be bound to a partner and its channel")
        if role is not ConsoleRole.PARTNER:
            partner_id = channel = None  # only a partner user acts for a partner
        if role is not ConsoleRole.REVIEWER:
            regions = []  # only reviewers are limited to regions
        record = UserRecord(
            username=username,
            display_name=display_name,
            role=role.value,
            partner_id=partner_id,
            channel=channel,
            regions=regions or [],
            password_hash=_hasher.hash(password),
        )
        async with self._sessions() as session, session.begin():
            session.add(record)
        return User.of(record)

    async def get(self, username: str) -> User | None:
        """The user, or None when there is none or the admin disabled it."""
        async with self._sessions() as session:
            record = await session.get(UserRecord, username)
            if record is None or await session.get(DisabledUser, username) is not None:
                return None
            return User.of(record)

    async def set_disabled(self, username: str, disabled: bool) -> bool:
        """Disable or enable a user; False when there is no such user."""
        async with self._sessions() as session, session.begin():
            if await session.get(UserRecord, username) is None:
                return False
            mark = await session.get(DisabledUser, username)
            if disabled and mark is None:
                session.add(DisabledUser(username=username))
            elif not disabled and mark is not None:
                await session.delete(mark)
        return True

    async def authenticate(self, username: str, password: str) -> User | None:
        """The user if the password matches; None otherwise (unknown user and wrong password look alike)."""
        async with self._sessions() as session:
            record = await session.get(UserRecord, username)
            if record is None:
                _hasher.hash(password)  # same work as a real check, so timing does not reveal who exists
                return None
            try:
                _hasher.verify(record.password_hash, password)
            except (VerificationError, InvalidHashError):
                return None
            if await session.get(DisabledUser, username) is not None:
                return None  # the same answer as a wrong password: a disabled account says nothing
            return User.of(record)

    async def all(self) -> list[User]:
        async with self._sessions() as session:
            rows = await session.scalars(select(UserRecord).order_by(UserRecord.role, UserRecord.username))
            disabled = set(await session.scalars(select(DisabledUser.username)))
            return [User.of(r, r.username in disabled) for r in rows]

    async def count(self) -> int:
        async with self._sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(UserRecord)) or 0)
