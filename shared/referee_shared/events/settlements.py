"""Payloads of settlements.statements (out, to finance) and settlements.payments (in, from finance)."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from pydantic import Field

from ..timebounds import BoundedDatetime
from .common import Channel, CurrencyCode, Money, PartyId, Strict
from .envelope import Payload


class StatementKind(StrEnum):
    ORIGINAL = "original"
    REVERSAL = "reversal"


class StatementLine(Strict):
    line_id: UUID = Field(description="stable: finance reports payments against it")
    party_id: PartyId
    channel: Channel
    amount: Money
    rule: str = Field(description="the split rule that produced this line")
    description: str = ""
    reverses_line_id: UUID | None = Field(default=None, description="on a reversal: the line it nets to zero")


class SettlementStatement(Payload):
    event_type = "settlement.statement"

    statement_id: UUID
    deal_id: str
    kind: StatementKind
    reverses_statement_id: UUID | None = None
    currency: CurrencyCode
    distributable_amount: Money
    lines: list[StatementLine] = Field(min_length=1)
    rule_set: str
    rule_version: int
    approved_by: PartyId | None = None
    issued_at: BoundedDatetime
    lead_id: UUID | None = None
    deal_amount: Money | None = None
    tier: str | None = Field(default=None, description="the customer tier that routed the deal")
    replaces_statement_id: UUID | None = Field(
        default=None, description="a correction: the statement reversed just before this one was issued"
    )
    reason: str = Field(default="", max_length=1000, description="why a reversal or correction was issued")


class PaymentStatus(StrEnum):
    PAID = "paid"
    FAILED = "failed"


class SettlementPayment(Payload):
    event_type = "settlement.payment"

    payment_id: str = Field(min_length=1, max_length=64)
    statement_id: UUID
    line_id: UUID
    status: PaymentStatus
    amount: Money
    reference: str = Field(default="", max_length=100)
    failure_reason: str = Field(default="", max_length=1000)
    reported_at: BoundedDatetime


class PaymentRetryRequested(Payload):
    """A failed payment of a line is to be made again; the line is pending until finance reports it."""

    event_type = "settlement.payment-retry"

    statement_id: UUID
    line_id: UUID
    party_id: PartyId
    amount: Money
    attempt: int = Field(ge=2, description="the payment attempt now requested (the first retry is attempt 2)")
    max_attempts: int = Field(ge=1)
    last_failure_reason: str = Field(default="", max_length=1000)
    requested_at: BoundedDatetime


class PaymentFlagged(Payload):
    """A line's payment failed on every attempt the rules allow: finance must resolve it by hand."""

    event_type = "settlement.payment-flagged"

    statement_id: UUID
    line_id: UUID
    party_id: PartyId
    amount: Money
    attempts: int = Field(ge=1)
    last_failure_reason: str = Field(default="", max_length=1000)
    flagged_at: BoundedDatetime
