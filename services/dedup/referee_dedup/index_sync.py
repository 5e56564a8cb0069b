"""Keeping an instance's in-memory index in step with the customers table.

On the first check after start the index is loaded from its saved file (``index_file.py``) when
that file belongs to this database and its log position still exists, else rebuilt from the
database (decoding the profile stored with each customer) and saved; then it follows the
customer_log: before each check (inside the transaction that holds the region's lock) it reads the
log rows after the last one it saw. Sequence numbers are given at insert and become visible at
commit, so a lower number can appear after a higher one; the follower remembers such gaps and reads
them again until they show up or are old enough to be a rolled-back insert.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from referee_shared.events.common import CustomerIdentity

from .domain.index import CustomerIndex
from .domain.profile import CustomerRecord, Profile, profile
from .domain.profile_codec import decode, encode
from .index_file import load_index, save_index
from .store import Customer, CustomerLog

GAP_PATIENCE = timedelta(minutes=5)
REBUILD_BATCH = 10_000
log = logging.getLogger(__name__)


def record_of(key: str, identity: CustomerIdentity) -> CustomerRecord:
    location = identity.location
    return CustomerRecord(
        key=key,
        name=identity.name,
        uscc=identity.uscc,
        phone=identity.phone,
        address=identity.address,
        province=identity.province,
        city=identity.city,
        district=identity.district,
        lat=location.lat if location else None,
        lon=location.lon if location else None,
    )


def profile_of(customer: Customer) -> Profile:
    """The customer's stored profile, or (written before it was stored, or by an older normalisation) a new one."""
    return stored_profile(customer.customer_key, customer.identity, customer.profile)


def stored_profile(key: str, identity: dict[str, Any], stored: list[Any] | None) -> Profile:
    """A customer row's profile: decoded when stored under this normalisation, else normalised now."""
    location = identity.get("location") or {}
    decoded = decode(stored, key, identity["name"], location.get("lat"), location.get("lon"))
    if decoded is not None:
        return decoded
    return profile(record_of(key, CustomerIdentity.model_validate(identity)))


@event.listens_for(Customer, "before_insert")
@event.listens_for(Customer, "before_update")
def _store_profile(_mapper: object, _connection: object, customer: Customer) -> None:
    """Normalise once, when the customer is written: the index loads the stored profile."""
    identity = CustomerIdentity.model_validate(customer.identity)
    customer.profile = encode(profile(record_of(customer.customer_key, identity)))


class IndexFollower:
    """One instance's index of every customer, and the alias each written form resolves to."""

    def __init__(self, index_file: Path | None = None, *, database: str = "", save_every: int = 100_000) -> None:
        self.index = CustomerIndex()
        self.canonical: dict[str, str] = {}  # alias key -> the customer it was found to be
        self.index_file = index_file  # where the index is saved; None: rebuilt from the database at each start
        self.started_from = ""  # "saved index" or "database", once the first check loaded it
        self._database = database
        self._save_every = save_every
        self._learned_since_save = 0
        self._seen: int | None = None
        self._gaps: dict[int, datetime] = {}

    def resolve(self, key: str) -> str:
        return self.canonical.get(key, key)

    def learn(self, customer: Customer) -> None:
        """Index a customer written by this instance (called right after its transaction committed)."""
        self.index.add(profile_of(customer))
        self._learned_since_save += 1
        if customer.merged_into:
            self.canonical[customer.customer_key] = customer.merged_into

    async def catch_up(self, session: AsyncSession, now: datetime) -> int:
        """Read what other writers committed since the last call; the first call loads everything."""
        if self._seen is None:
            if await self._load_saved(session):
                self.started_from = "saved index"
            else:
                self.started_from = "database"
                count = await self._rebuild(session)
                await self.save(session)
                return count
        seen = self._seen if self._seen is not None else 0  # loading set it
        query = select(CustomerLog.seq, CustomerLog.customer_key).where(
            or_(CustomerLog.seq > seen, CustomerLog.seq.in_(list(self._gaps)))
        )
        rows = (await session.execute(query.order_by(CustomerLog.seq))).all()
        for seq, _ in rows:
            self._gaps.pop(seq, None)
            for missing in range(seen + 1, seq):
                self._gaps.setdefault(missing, now)
            seen = max(seen, seq)
        self._seen = seen
        self._gaps = {seq: since for seq, since in self._gaps.items() if now - since < GAP_PATIENCE}
        keys = sorted({key for _, key in rows})
        if keys:
            for customer in (await session.execute(select(Customer).where(Customer.customer_key.in_(keys)))).scalars():
                self.learn(customer)
        if self.index_file is not None and self._learned_since_save >= self._save_every:
            await self.save(session)
        return len(keys)

    async def _rebuild(self, session: AsyncSession) -> int:
        self._seen = int((await session.execute(select(func.coalesce(func.max(CustomerLog.seq), 0)))).scalar_one())
        columns = select(Customer.customer_key, Customer.identity, Customer.profile, Customer.merged_into)
        count = 0
        result = await session.stream(columns.execution_options(yield_per=REBUILD_BATCH))
        async for key, identity, stored, merged_into in result:
            self.index.add(stored_profile(key, identity, stored))
            if merged_into:
                self.canonical[key] = merged_into
            count += 1
        return count

    async def save(self, session: AsyncSession) -> None:
        """Save the index with the log position it has read up to (before the oldest gap still awaited)."""
        if self.index_file is None or self._seen is None:
            return
        resume_from = min(self._gaps, default=self._seen + 1) - 1
        stamp = {
            "database": self._database,
            "resume_from": resume_from,
            "key_at_resume": await self._key_at(session, resume_from),
            "canonical": self.canonical,
        }
        try:
            save_index(self.index_file, self.index, stamp)
        except OSError as exc:  # the index still works in memory; the next start rebuilds it
            log.warning("could not save the customer index to %s: %s", self.index_file, exc)
            return
        self._learned_since_save = 0

    async def _load_saved(self, session: AsyncSession) -> bool:
        """Load the saved index when it is this database's and the log still has the row it stopped at."""
        if self.index_file is None:
            return False
        loaded = load_index(self.index_file, {"database": self._database})
        if loaded is None:
            return False
        index, stamp = loaded
        resume_from = stamp.get("resume_from")
        if not isinstance(resume_from, int) or stamp.get("key_at_resume") != await self._key_at(session, resume_from):
            return False  # the database was rebuilt, or restored from before the index was saved
        self.index, self.canonical, self._seen = index, dict(stamp.get("canonical") or {}), resume_from
        return True

    async def _key_at(self, session: AsyncSession, seq: int) -> str | None:
        if seq <= 0:
            return None
        found = await session.execute(select(CustomerLog.customer_key).where(CustomerLog.seq == seq))
        return found.scalar_one_or_none()
