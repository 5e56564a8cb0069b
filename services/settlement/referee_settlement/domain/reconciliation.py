"""Reconciliation: statements issued in a period against the payments finance reported.

Every line of an original statement falls in exactly one bucket: ``reversed`` when its statement has
been reversed, otherwise ``paid``, ``pending`` (never reported, or re-issued after a failure) or
``failed`` (flagged after its retries). So ``issued = paid + pending + failed + reversed`` always,
and the reversal lines of the period (negative) bring the net down to what is really owed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from uuid import UUID
from zoneinfo import ZoneInfo

from referee_shared.events.settlements import StatementKind
from referee_shared.timebounds import date_within_bounds

from .payments import LineStatus


class Bucket(StrEnum):
    PAID = "paid"
    PENDING = "pending"
    FAILED = "failed"
    REVERSED = "reversed"


@dataclass(frozen=True)
class Period:
    """A half-open span of local calendar days: [start, end)."""

    label: str
    start: datetime
    end: datetime


def parse_period(text: str, zone: ZoneInfo) -> Period:
    """``2026`` (a year), ``2026-11`` (a month), ``2026-11-05`` (a day) or ``2026-11-01..2026-11-15`` (inclusive)."""
    text = text.strip()
    try:
        if ".." in text:
            first, last = (date.fromisoformat(part) for part in text.split("..", 1))
            end = last + timedelta(days=1)
        elif len(text) == 4:
            first, end = date(int(text), 1, 1), date(int(text) + 1, 1, 1)
        elif len(text) == 7:
            first = date.fromisoformat(f"{text}-01")
            end = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        else:
            first = date.fromisoformat(text)
            end = first + timedelta(days=1)
        date_within_bounds(first)
        date_within_bounds(end)
    except (ValueError, OverflowError) as exc:
        raise ValueError(
            f"period {text!r} is not YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD ({exc})"
        ) from None
    if end <= first:
        raise ValueError(f"period {text!r} ends before it starts")
    return Period(text, datetime.combine(first, time(), zone), datetime.combine(end, time(), zone))


@dataclass(frozen=True)
class LineRow:
    """One issued statement line with its payment state, as reconciliation reads it."""

    statement_id: UUID
    kind: StatementKind
    deal_id: str
    issued_at: datetime
    reverses_statement_id: UUID | None
    statement_reversed: bool
    distributable: Decimal
    line_id: UUID
    reverses_line_id: UUID | None
    party_id: str
    channel: str
    rule: str
    amount: Decimal
    status: LineStatus
    failures: int
    payment_reference: str

    @property
    def bucket(self) -> Bucket:
        if self.kind is StatementKind.REVERSAL or self.statement_reversed:
            return Bucket.REVERSED
        return Bucket(self.status.value)


@dataclass
class Totals:
    lines: int = 0
    amount: Decimal = Decimal("0.00")

    def add(self, amount: Decimal) -> None:
        self.lines += 1
        self.amount += amount


@dataclass
class Reconciliation:
    period: Period
    rows: list[LineRow]
    statements: int = 0
    issued: Totals = field(default_factory=Totals)
    buckets: dict[Bucket, Totals] = field(default_factory=lambda: {b: Totals() for b in Bucket})
    reversals: Totals = field(default_factory=Totals)
    reversed_paid: Totals = field(default_factory=Totals)
    recovered: Totals = field(default_factory=Totals)
    problems: list[str] = field(default_factory=list)

    @property
    def net(self) -> Decimal:
        return self.issued.amount + self.reversals.amount

    @property
    def balanced(self) -> bool:
        return not self.problems


def reconcile(period: Period, rows: list[LineRow]) -> Reconciliation:
    """Bucket and total the lines, and check that everything balances; ``problems`` says what does not."""
    in_order = sorted(rows, key=lambda r: (r.issued_at, str(r.statement_id)))  # stable: lines keep their order
    report = Reconciliation(period, in_order)
    by_statement: dict[UUID, list[LineRow]] = {}
    for row in report.rows:
        by_statement.setdefault(row.statement_id, []).append(row)
        if row.kind is StatementKind.REVERSAL:
            report.reversals.add(row.amount)
            if row.status is LineStatus.PAID:
                report.recovered.add(row.amount)
            continue
        report.issued.add(row.amount)
        report.buckets[row.bucket].add(row.amount)
        if row.bucket is Bucket.REVERSED and row.status is LineStatus.PAID:
            report.reversed_paid.add(row.amount)
    report.statements = len(by_statement)
    _check(report, by_statement)
    return report


def _check(report: Reconciliation, by_statement: dict[UUID, list[LineRow]]) -> None:
    for statement_id, lines in by_statement.items():
        total = sum((line.amount for line in lines), Decimal(0))
        if total != lines[0].distributable:
            report.problems.append(f"statement {statement_id}: lines sum to {total}, not {lines[0].distributable}")
    originals = {row.line_id: row for row in report.rows if row.kind is StatementKind.ORIGINAL}
    for row in report.rows:
        original = originals.get(row.reverses_line_id) if row.reverses_line_id else None
        if original is not None and original.amount + row.amount != 0:
            report.problems.append(f"reversal line {row.line_id} does not net line {original.line_id} to zero")


CSV_COLUMNS = (
    "issued_at",
    "deal_id",
    "statement_id",
    "kind",
    "reverses_statement_id",
    "line_id",
    "reverses_line_id",
    "party_id",
    "channel",
    "rule",
    "amount",
    "bucket",
    "payment_status",
    "failed_attempts",
    "payment_reference",
)


def to_csv(report: Reconciliation) -> str:
    """One row per line, amounts as plain decimals with two places, times in ISO 8601 (UTC)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        writer.writerow(
            (
                row.issued_at.isoformat(),
                row.deal_id,
                row.statement_id,
                row.kind.value,
                row.reverses_statement_id or "",
                row.line_id,
                row.reverses_line_id or "",
                row.party_id,
                row.channel,
                row.rule,
                f"{row.amount:.2f}",
                row.bucket.value,
                row.status.value,
                row.failures,
                row.payment_reference,
            )
        )
    return out.getvalue()
