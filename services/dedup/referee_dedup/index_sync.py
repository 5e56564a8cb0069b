"""Keeping an instance's in-memory index in step with the customers table.

The index is rebuilt from the database on the first check after start, then follows the
customer_log: before each check (inside the transaction that holds the region's lock) it reads the
log rows after the last one it saw. Sequence numbers are given at insert and become visible at
commit, so a lower number can appear after a higher one; the follower remembers such gaps and reads
them again until they show up or are old enough to be a rolled-back insert.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import event, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from referee_shared.events.common import CustomerIdentity

from .domain.index import CustomerIndex
from .domain.profile import CustomerRecord, Profile, profile
from .domain.profile_codec import decode, encode
from .store import Customer, CustomerLog

GAP_PATIENCE = timedelta(minutes=5)


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
    identity = customer.identity
    location = identity.get("location") or {}
    stored = decode(customer.profile, customer.customer_key, identity["name"], location.get("lat"), location.get("lon"))
    if stored is not None:
        return stored
    return profile(record_of(customer.customer_key, CustomerIdentity.model_validate(identity)))


@event.listens_for(Customer, "before_insert")
@event.listens_for(Customer, "before_update")
def _store_profile(_mapper: object, _connection: object, customer: Customer) -> None:
    """Normalise once, when the customer is written: the index loads the stored profile."""
    identity = CustomerIdentity.model_validate(customer.identity)
    customer.profile = encode(profile(record_of(customer.customer_key, identity)))


class IndexFollower:
    """One instance's index of every customer, and the alias each written form resolves to."""

    def __init__(self) -> None:
        self.index = CustomerIndex()
        self.canonical: dict[str, str] = {}  # alias key -> the customer it was found to be
        self._seen: int | None = None
        self._gaps: dict[int, datetime] = {}

    def resolve(self, key: str) -> str:
        return self.canonical.get(key, key)

    def learn(self, customer: Customer) -> None:
        """Index a customer written by this instance (called right after its transaction committed)."""
        self.index.add(profile_of(customer))
        if customer.merged_into:
            self.canonical[customer.customer_key] = customer.merged_into

    async def catch_up(self, session: AsyncSession, now: datetime) -> int:
        """Read what other writers committed since the last call; the first call loads everything."""
        if self._seen is None:
            return await self._rebuild(session)
        query = select(CustomerLog.seq, CustomerLog.customer_key).where(
            or_(CustomerLog.seq > self._seen, CustomerLog.seq.in_(list(self._gaps)))
        )
        rows = (await session.execute(query.order_by(CustomerLog.seq))).all()
        for seq, _ in rows:
            self._gaps.pop(seq, None)
            for missing in range(self._seen + 1, seq):
                self._gaps.setdefault(missing, now)
            self._seen = max(self._seen, seq)
        self._gaps = {seq: since for seq, since in self._gaps.items() if now - since < GAP_PATIENCE}
        keys = sorted({key for _, key in rows})
        if keys:
            for customer in (await session.execute(select(Customer).where(Customer.customer_key.in_(keys)))).scalars():
                self.learn(customer)
        return len(keys)

    async def _rebuild(self, session: AsyncSession) -> int:
        self._seen = int((await session.execute(select(func.coalesce(func.max(CustomerLog.seq), 0)))).scalar_one())
        count = 0
        for customer in (await session.execute(select(Customer))).scalars():
            self.learn(customer)
            count += 1
        return count
