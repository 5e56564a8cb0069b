"""Payloads of settlements.statements (out, to finance) and settlements.payments (in, from finance)."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from pydantic import AwareDatetime, Field

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
    issued_at: AwareDatetime


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
    reported_at: AwareDatetime
