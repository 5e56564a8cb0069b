"""The figures' read model: one fact row per lead, dispute, customer and task, and daily counts.

Every table here is derived from events (``fold.py``) and can be emptied and rebuilt from the topics
(``rebuild.py``); nothing else writes them, and the dashboard reads only ``figure_counts``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import BigInteger, Date, Numeric, String, and_, case, delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from ..store import Base
from .measures import Count, Dims, DisputeFacts, LeadFacts, TaskFacts


class FigureLead(Base):
    __tablename__ = "figure_leads"

    lead_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    partner: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(16))
    region: Mapped[str | None] = mapped_column(String(60))
    rule_ref: Mapped[str | None] = mapped_column(String(80))
    customer_key: Mapped[str | None] = mapped_column(String(80))
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(16))
    reason_code: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None]
    won: Mapped[bool | None]
    deal_amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    expired_at: Mapped[datetime | None]
    followed_up: Mapped[bool] = mapped_column(default=False)
    counted: Mapped[list[Any]] = mapped_column(default=list)


class FigureDispute(Base):
    __tablename__ = "figure_disputes"

    dispute_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    lead_id: Mapped[str | None] = mapped_column(String(36))
    customer_key: Mapped[str | None] = mapped_column(String(80))
    opened_at: Mapped[datetime | None]
    first_ruled_at: Mapped[datetime | None]
    final_at: Mapped[datetime | None]
    counted: Mapped[list[Any]] = mapped_column(default=list)


class FigureCustomer(Base):
    """A customer as first registered (accepted), in that lead's dimensions; disputed once at most."""

    __tablename__ = "figure_customers"

    customer_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    partner: Mapped[str] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(16))
    rule_ref: Mapped[str] = mapped_column(String(80))
    registered_at: Mapped[datetime]
    disputed_at: Mapped[datetime | None]


class FigureTask(Base):
    __tablename__ = "figure_tasks"

    task_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    opened: Mapped[bool] = mapped_column(default=False)
    due_at: Mapped[datetime | None]
    region: Mapped[str | None] = mapped_column(String(60))
    partner: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(40))
    counted: Mapped[list[Any]] = mapped_column(default=list)


class FigureCount(Base):
    """How many of a measure fell on a day (Asia/Shanghai) in one partner, region, channel and rule set;
    ``total`` sums the measure's quantity (hours, days) where it has one."""

    __tablename__ = "figure_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    partner: Mapped[str] = mapped_column(String(64), primary_key=True)
    region: Mapped[str] = mapped_column(String(60), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    rule_ref: Mapped[str] = mapped_column(String(80), primary_key=True)
    measure: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[Decimal] = mapped_column(Numeric(20, 4))


class FigureRollup(Base):
    """The same counts summed along one dimension at a time (``all`` for none), per day and per month:
    the dashboard's unfiltered reports read a few thousand of these rows however many registrations
    there are, where ``figure_counts`` holds a row per day and combination of all four dimensions."""

    __tablename__ = "figure_rollups"

    grain: Mapped[str] = mapped_column(String(1), primary_key=True, doc="d: a day, m: a calendar month")
    start: Mapped[date] = mapped_column(Date, primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(80), primary_key=True)
    measure: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[Decimal] = mapped_column(Numeric(20, 4))


READ_MODEL: tuple[type[Base], ...] = (
    FigureLead,
    FigureDispute,
    FigureCustomer,
    FigureTask,
    FigureCount,
    FigureRollup,
)
ALL = "all"
F = TypeVar("F", LeadFacts, DisputeFacts, TaskFacts)
R = TypeVar("R", FigureLead, FigureDispute, FigureTask)
GROUPS = {"partner": FigureCount.partner, "region": FigureCount.region, "channel": FigureCount.channel}
GROUPS["rule_version"] = FigureCount.rule_ref


class FigureStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def _insert(self) -> Any:
        return pg_insert if self._session.get_bind().dialect.name == "postgresql" else sqlite_insert

    async def _locked(self, row_type: type[R], key: str) -> R:
        """The fact row of ``key``, created empty if new, locked until commit (folds of one entity queue)."""
        primary = row_type.__table__.primary_key.columns.values()[0]  # type: ignore[attr-defined]
        await self._session.execute(self._insert()(row_type).values({primary.name: key}).on_conflict_do_nothing())
        found = await self._session.scalar(select(row_type).where(primary == key).with_for_update())
        assert found is not None  # inserted just above if it was missing
        return found

    async def lead(self, lead_id: str) -> tuple[FigureLead, LeadFacts]:
        row = await self._locked(FigureLead, lead_id)
        return row, _facts(LeadFacts, row)

    async def dispute(self, dispute_id: str) -> tuple[FigureDispute, DisputeFacts]:
        row = await self._locked(FigureDispute, dispute_id)
        return row, _facts(DisputeFacts, row)

    async def task(self, task_id: str) -> tuple[FigureTask, TaskFacts]:
        row = await self._locked(FigureTask, task_id)
        return row, _facts(TaskFacts, row)

    async def lead_facts(self, lead_id: str) -> LeadFacts | None:
        row = await self._session.get(FigureLead, lead_id)
        return _facts(LeadFacts, row) if row else None

    async def customer(self, customer_key: str) -> FigureCustomer | None:
        return await self._session.scalar(
            select(FigureCustomer).where(FigureCustomer.customer_key == customer_key).with_for_update()
        )

    async def first_customer(self, customer_key: str, dims: Dims, at: datetime) -> bool:
        """Record the customer's first registration; False if it was registered before."""
        statement = (
            self._insert()(FigureCustomer)
            .values(
                customer_key=customer_key,
                partner=dims.partner,
                region=dims.region,
                channel=dims.channel,
                rule_ref=dims.rule_ref,
                registered_at=at,
            )
            .on_conflict_do_nothing()
            .returning(FigureCustomer.customer_key)
        )
        return (await self._session.execute(statement)).first() is not None

    async def add(self, counts: Sequence[Count]) -> None:
        """Add counts to their days; concurrent folds add to the same row without losing either."""
        for count in counts:
            values = {
                "day": count.day,
                "partner": count.dims.partner,
                "region": count.dims.region,
                "channel": count.dims.channel,
                "rule_ref": count.dims.rule_ref,
                "measure": count.measure.value,
                "count": 1,
                "total": count.total,
            }
            statement = self._insert()(FigureCount).values(values)
            statement = statement.on_conflict_do_update(
                index_elements=["day", "partner", "region", "channel", "rule_ref", "measure"],
                set_={
                    "count": FigureCount.count + statement.excluded.count,
                    "total": FigureCount.total + statement.excluded.total,
                },
            )
            await self._session.execute(statement)
            for row in rollup_rows(count):
                roll = self._insert()(FigureRollup).values(row)
                roll = roll.on_conflict_do_update(
                    index_elements=["grain", "start", "dimension", "value", "measure"],
                    set_={
                        "count": FigureRollup.count + roll.excluded.count,
                        "total": FigureRollup.total + roll.excluded.total,
                    },
                )
                await self._session.execute(roll)

    async def rolled_up(
        self, *, ranges: Sequence[tuple[str, date, date]], dimension: str | None, side: str | None, by_start: bool
    ) -> list[Summed]:
        """Counts per value and measure (and per start day or month, ``by_start``) from the rollups of one
        dimension, over (grain, first, end) ranges that do not overlap; ``side`` labels every row."""
        conditions = [
            and_(FigureRollup.grain == grain, FigureRollup.start >= first, FigureRollup.start < end)
            for grain, first, end in ranges
        ]
        if not conditions:
            return []
        keys: list[Any] = [FigureRollup.value, FigureRollup.measure, *([FigureRollup.start] if by_start else [])]
        query = (
            select(func.sum(FigureRollup.count), func.sum(FigureRollup.total), *keys)
            .where(FigureRollup.dimension == (dimension or ALL), or_(*conditions))
            .group_by(*keys)
        )
        return [
            Summed(
                measure=str(row[3]),
                period_start=_as_date(row[4]) if by_start else None,
                group=str(row[2]) if dimension else None,
                side=side,
                count=int(str(row[0])),
                total=Decimal(str(row[1])),
            )
            for row in (await self._session.execute(query)).all()
        ]

    async def summed(
        self,
        *,
        since: date,
        until: date,
        period: str,
        group_by: str | None,
        split_at: date | None,
        filters: dict[str, str | None],
    ) -> list[Summed]:
        """Counts and totals per measure over days in [since, until), by period start, group and side
        of ``split_at`` (before/after), summed by the database."""
        start = self._period_start(period)
        side = case((FigureCount.day < split_at, "before"), else_="after") if split_at else None
        group = GROUPS[group_by] if group_by else None
        keys: list[Any] = [FigureCount.measure, *(k for k in (start, group, side) if k is not None)]
        query = select(*keys, func.sum(FigureCount.count), func.sum(FigureCount.total)).where(
            FigureCount.day >= since, FigureCount.day < until
        )
        for name, value in filters.items():
            if value is not None:
                query = query.where(GROUPS[name] == value)
        found: list[Summed] = []
        for row in (await self._session.execute(query.group_by(*keys))).all():
            values = iter(row[1:-2])
            found.append(
                Summed(
                    measure=str(row[0]),
                    period_start=_as_date(next(values)) if start is not None else None,
                    group=str(next(values)) if group is not None else None,
                    side=str(next(values)) if side is not None else None,
                    count=int(row[-2]),
                    total=Decimal(row[-1]),
                )
            )
        return found

    def _period_start(self, period: str) -> Any:
        """The first day of each row's period, as the database computes it; None for the whole range."""
        postgres = self._session.get_bind().dialect.name == "postgresql"
        if period == "day":
            return FigureCount.day
        if period == "week":
            if postgres:
                return func.date_trunc("week", FigureCount.day)
            return func.date(FigureCount.day, "weekday 0", "-6 days")
        if period == "month":
            if postgres:
                return func.date_trunc("month", FigureCount.day)
            return func.date(FigureCount.day, "start of month")
        return None

    async def clear(self) -> None:
        """Empty the read model (before a rebuild)."""
        for table in READ_MODEL:
            await self._session.execute(delete(table))


@dataclass(frozen=True)
class Summed:
    measure: str
    period_start: date | None
    group: str | None
    side: str | None
    count: int
    total: Decimal


def rollup_rows(count: Count) -> list[dict[str, Any]]:
    """The rollup rows one count adds to: its day and its month, overall and along each dimension."""
    day = count.day
    along = {
        ALL: ALL,
        "partner": count.dims.partner,
        "region": count.dims.region,
        "channel": count.dims.channel,
        "rule_version": count.dims.rule_ref,
    }
    return [
        {
            "grain": grain,
            "start": start,
            "dimension": dimension,
            "value": value,
            "measure": count.measure.value,
            "count": 1,
            "total": count.total,
        }
        for grain, start in (("d", day), ("m", day.replace(day=1)))
        for dimension, value in along.items()
    ]


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _facts(kind: type[F], row: Any) -> F:
    values = {f.name: getattr(row, f.name) for f in fields(kind)}
    values["counted"] = set(values["counted"] or [])
    return kind(**values)


def save(row: Any, facts: LeadFacts | DisputeFacts | TaskFacts) -> None:
    """Write the facts back onto their locked row."""
    for f in fields(facts):
        value = getattr(facts, f.name)
        setattr(row, f.name, sorted(value) if f.name == "counted" else value)
