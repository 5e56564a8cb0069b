"""The payment state of one statement line, moved by finance's reports.

A line is pending until finance reports it. A failed payment is retried: the line is pending again
and a re-issue is requested, until ``max_retries`` re-issues have failed too; the next failure flags
the line as failed for finance to resolve by hand. A flagged line that finance later reports paid is
paid. A paid line accepts no further report.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class LineStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"


class Action(StrEnum):
    NONE = "none"
    RETRY = "retry"
    FLAG = "flag"


class PaymentRefused(Exception):
    """A report that contradicts the line; the reason goes to the dead-letter record."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LinePayment:
    status: LineStatus
    failures: int = 0

    @property
    def attempts(self) -> int:
        """Payments tried so far (a paid line counts its successful attempt)."""
        return self.failures + (1 if self.status is LineStatus.PAID else 0)


@dataclass(frozen=True)
class PaymentStep:
    line: LinePayment
    action: Action

    @property
    def next_attempt(self) -> int:
        return self.line.failures + 1


def paid(line: LinePayment, *, due: Decimal, reported: Decimal) -> PaymentStep:
    """Finance paid the line: the amount must be the line's, and the line not already paid."""
    if line.status is LineStatus.PAID:
        raise PaymentRefused("the line is already paid; a second payment is not accepted")
    if reported != due:
        raise PaymentRefused(f"reported paid {reported} but the line is {due}")
    return PaymentStep(LinePayment(LineStatus.PAID, line.failures), Action.NONE)


def failed(line: LinePayment, *, max_retries: int) -> PaymentStep:
    """Finance could not pay the line: retry while re-issues remain, then flag it."""
    if line.status is LineStatus.PAID:
        raise PaymentRefused("the line is already paid; a failure cannot follow")
    failures = line.failures + 1
    if line.status is LineStatus.FAILED:
        return PaymentStep(LinePayment(LineStatus.FAILED, failures), Action.NONE)
    if failures <= max_retries:
        return PaymentStep(LinePayment(LineStatus.PENDING, failures), Action.RETRY)
    return PaymentStep(LinePayment(LineStatus.FAILED, failures), Action.FLAG)
