"""Translations between settlement's rows, the domain and the events: ids from business keys, a deal's
terms and ruling for the split, the statement event finance receives, the details of an approval task."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid5

from referee_shared.events.common import Channel
from referee_shared.events.settlements import SettlementStatement, StatementKind
from referee_shared.events.settlements import StatementLine as LineEvent

from .domain.credit import CreditShare, DealTerms, Helper, Party, Ruling
from .store import CreditRuling, Deal, Statement, StatementLine

# Statement and line ids are derived from business keys, so a step run twice writes the same rows.
STATEMENT_IDS = UUID("6f3d0a52-8c1e-5b7f-9a40-2d6e1c9b7a31")


def statement_id_for(deal_id: str, revision: int) -> UUID:
    return uuid5(STATEMENT_IDS, f"{deal_id}\n{revision}")


def line_id_for(statement_id: UUID, component: str, party_id: str) -> UUID:
    return uuid5(statement_id, f"{component}\n{party_id}")


def deal_terms(deal: Deal) -> DealTerms:
    assert deal.owner_id is not None
    assert deal.owner_channel is not None
    helpers = tuple(
        Helper(Party(c["party_id"], Channel(c["channel"])), Decimal(c["ratio"]) if c.get("ratio") is not None else None)
        for c in deal.contributors
    )
    return DealTerms(deal.deal_id, deal.amount, Party(deal.owner_id, Channel(deal.owner_channel)), helpers)


def ruling_of(row: CreditRuling | None) -> Ruling | None:
    if row is None or row.outcome not in ("shared", "transferred"):
        return None
    shares = tuple(
        CreditShare(s["party_id"], Decimal(s["ratio"]), Channel(s["channel"]) if s.get("channel") else None)
        for s in row.shares
    )
    channel = Channel(row.new_holder_channel) if row.new_holder_channel else None
    return Ruling(str(row.dispute_id), row.new_holder_id, channel, shares)


def statement_event(statement: Statement, lines: Sequence[StatementLine]) -> SettlementStatement:
    """The event finance receives for an issued statement."""
    assert statement.issued_at is not None
    return SettlementStatement(
        statement_id=statement.statement_id,
        deal_id=statement.deal_id,
        kind=StatementKind(statement.kind),
        reverses_statement_id=statement.reverses_statement_id,
        currency=statement.currency,
        distributable_amount=statement.distributable,
        lines=[
            LineEvent(
                line_id=line.line_id,
                party_id=line.party_id,
                channel=Channel(line.channel),
                amount=line.amount,
                rule=line.rule,
                description=line.description,
                reverses_line_id=line.reverses_line_id,
            )
            for line in lines
        ],
        rule_set=statement.rule_set,
        rule_version=statement.rule_version,
        approved_by=statement.approved_by,
        issued_at=statement.issued_at,
        lead_id=statement.lead_id,
        deal_amount=statement.deal_amount,
        tier=statement.tier,
        replaces_statement_id=statement.replaces_statement_id,
        reason=statement.reason,
    )


def task_details(statement: Statement, lines: Sequence[StatementLine]) -> dict[str, Any]:
    return {
        "deal_id": statement.deal_id,
        "lead_id": str(statement.lead_id),
        "statement_id": str(statement.statement_id),
        "deal_amount": f"{statement.deal_amount:.2f}",
        "currency": statement.currency,
        "distributable_amount": f"{statement.distributable:.2f}",
        "tier": statement.tier,
        "rules": f"{statement.rule_set}@{statement.rule_version}",
        "notes": statement.notes,
        "lines": [
            {
                "party_id": line.party_id,
                "channel": line.channel,
                "amount": f"{line.amount:.2f}",
                "rule": line.rule,
                "description": line.description,
            }
            for line in lines
        ],
    }
