"""Test data that reads like the brief: partners, customers and registrations."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from stdnum.cn import uscc as uscc_checker

from referee_shared.events.common import Attachment, Channel, CustomerIdentity
from referee_shared.events.deals import Contributor, DealClosed, DealOutcome, DealReversed, ReversalKind
from referee_shared.events.envelope import Envelope, P, new_envelope
from referee_shared.events.leads import LeadSubmitted
from referee_shared.events.qualifications import QualificationScope, QualificationSubmitted

# Valid unified social credit codes (checksums verified by python-stdnum).
USCC_HANGZHOU_BUILDER = "91330106MA27Y5AB3B"
USCC_SHANGHAI_BUILDER = "91310000132149237G"


def make_uscc(serial: int, region_code: str = "330106") -> str:
    """A valid unified social credit code for test customer number ``serial``."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body, n = "", serial
    for _ in range(9):
        body, n = alphabet[n % len(alphabet)] + body, n // len(alphabet)
    stem = f"91{region_code}{body}"
    return stem + uscc_checker.calc_check_digit(stem)


def customer(name: str = "杭州滨江建设有限公司", **fields: Any) -> CustomerIdentity:
    defaults: dict[str, Any] = {"province": "浙江省", "city": "杭州市", "address": "浙江省杭州市滨江区江南大道100号"}
    return CustomerIdentity(name=name, **{**defaults, **fields})


def submission(
    partner_id: str = "dealer-hangzhou",
    *,
    who: CustomerIdentity | None = None,
    product_line: str = "tiles",
    channel: Channel = Channel.DEALER,
    amount: str = "250000",
    lead_id: UUID | None = None,
) -> LeadSubmitted:
    return LeadSubmitted(
        lead_id=lead_id or uuid4(),
        partner_id=partner_id,
        channel=channel,
        customer=who or customer(),
        product_line=product_line,
        estimated_amount=Decimal(amount),
    )


def envelope(payload: P, producer: str = "partner-portal") -> Envelope[P]:
    return new_envelope(payload, producer=producer, occurred_at=datetime.now(UTC))


def deal_closed(
    deal_id: str,
    amount: str = "1200000.00",
    *,
    owner: str = "direct-east",
    owner_channel: Channel = Channel.DIRECT,
    contributors: tuple[tuple[str, Channel, str | None], ...] = (("agent-wang", Channel.AGENT, "0.2"),),
    product_line: str = "cnc-machines",
    outcome: DealOutcome = DealOutcome.WON,
    lead_id: UUID | None = None,
    closed_at: datetime | None = None,
) -> DealClosed:
    """A closed deal as the ERP reports it; by default the brief's industrial-equipment case."""
    return DealClosed(
        deal_id=deal_id,
        lead_id=lead_id or uuid4(),
        outcome=outcome,
        amount=Decimal(amount),
        closed_at=closed_at or datetime.now(UTC),
        contributors=[
            Contributor(party_id=party, channel=channel, ratio=Decimal(ratio) if ratio else None)
            for party, channel, ratio in contributors
        ],
        product_line=product_line,
        owner_id=owner,
        owner_channel=owner_channel,
    )


def deal_reversed(
    deal_id: str, kind: ReversalKind = ReversalKind.REFUND, reason: str = "customer refund"
) -> DealReversed:
    return DealReversed(deal_id=deal_id, kind=kind, reason=reason, reversed_at=datetime.now(UTC))


def certificate(
    partner_id: str = "agent-li",
    *,
    product_line: str = "orthopaedics",
    number: str = "浙杭药监械经营许20260001号",
    valid_from: date | None = None,
    valid_to: date | None = None,
    regions: list[str] | None = None,
    submission_id: UUID | None = None,
) -> QualificationSubmitted:
    """A partner's qualification certificate for a product line, valid for two years from today by default."""
    starts = valid_from or datetime.now(UTC).date()
    return QualificationSubmitted(
        submission_id=submission_id or uuid4(),
        partner_id=partner_id,
        product_line=product_line,
        certificate_number=number,
        issuer="浙江省药品监督管理局",
        valid_from=starts,
        valid_to=valid_to or starts + timedelta(days=730),
        scope=QualificationScope(regions=regions or []),
        document=Attachment(name="licence.pdf", sha256=hashlib.sha256(number.encode()).hexdigest()),
    )
