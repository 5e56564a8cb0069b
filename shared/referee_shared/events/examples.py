"""One example of every external payload, in the words of the brief; the contract document shows them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

from .board import BoardChange, BoardChanged, PlanSource, ProcurementPlanReported, VisitReported, VisitStatus
from .common import Attachment, Channel, CustomerIdentity, GeoPoint
from .deals import Contributor, DealClosed, DealOutcome, DealReversed, ReversalKind
from .disputes import (
    CreditShare,
    DisputeOpened,
    DisputeProgressed,
    DisputeRuling,
    DisputeStep,
    OpenedBy,
    RulingOutcome,
)
from .envelope import Payload
from .evidence import EvidenceCheckpoint
from .leads import (
    ActivityKind,
    DecisionOutcome,
    LeadActivity,
    LeadDecision,
    LeadSubmitted,
    LockChange,
    LockChanged,
    LockSummary,
)
from .partners import PartnerChanged
from .qualifications import QualificationChange, QualificationChanged, QualificationScope, QualificationSubmitted
from .settlements import (
    PaymentFlagged,
    PaymentRetryRequested,
    PaymentStatus,
    SettlementPayment,
    SettlementStatement,
    StatementKind,
    StatementLine,
)

LEAD = UUID("0b5e7c1e-3f1a-4c7e-9a55-1d2f3a4b5c6d")
LOCK = UUID("7d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
STATEMENT = UUID("5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d")
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
DIGEST = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

EXAMPLES: tuple[Payload, ...] = (
    LeadSubmitted(
        lead_id=LEAD,
        partner_id="dealer-hangzhou",
        channel=Channel.DEALER,
        customer=CustomerIdentity(
            name="杭州滨江建设有限公司",
            uscc="91330106MA27Y5AB3B",
            phone="0571-8888 6666",
            address="浙江省杭州市滨江区江南大道100号",
            province="浙江省",
            city="杭州市",
            district="滨江区",
            location=GeoPoint(lat=30.2084, lon=120.2113),
        ),
        product_line="tiles",
        estimated_amount=Decimal("380000.00"),
        expected_close=date(2026, 6, 30),
        notes="new office tower, lobby and 20 floors",
    ),
    LeadActivity(
        activity_id=UUID("1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"),
        lead_id=LEAD,
        partner_id="dealer-hangzhou",
        kind=ActivityKind.CHECK_IN,
        summary="On-site visit with the procurement manager; samples left.",
        contact="procurement manager",
        location=GeoPoint(lat=30.2085, lon=120.2110),
        attachments=[Attachment(name="visit-photo.jpg", sha256=DIGEST, media_type="image/jpeg")],
    ),
    DealClosed(
        deal_id="ERP-2026-00042",
        lead_id=LEAD,
        outcome=DealOutcome.WON,
        amount=Decimal("1200000.00"),
        closed_at=AT,
        contributors=[
            Contributor(party_id="direct-east", channel=Channel.DIRECT, ratio=Decimal("0.8")),
            Contributor(party_id="agent-zhang", channel=Channel.AGENT, ratio=Decimal("0.2")),
        ],
    ),
    DealReversed(deal_id="ERP-2026-00042", kind=ReversalKind.REFUND, reason="customer returned goods", reversed_at=AT),
    QualificationSubmitted(
        submission_id=UUID("2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a"),
        partner_id="agent-li",
        product_line="orthopaedics",
        certificate_number="浙械经营许20260001",
        issuer="浙江省药品监督管理局",
        valid_from=date(2026, 1, 1),
        valid_to=date(2028, 12, 31),
        scope=QualificationScope(regions=["浙江"], product_categories=["骨科植入物"]),
        document=Attachment(name="licence.pdf", sha256=DIGEST, media_type="application/pdf"),
    ),
    QualificationChanged(
        submission_id=UUID("2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a"),
        partner_id="agent-li",
        product_line="orthopaedics",
        qualification="orthopaedic-device-distribution",
        certificate_number="浙械经营许20260001",
        change=QualificationChange.APPROVED,
        status="approved",
        valid_from=date(2026, 1, 1),
        valid_to=date(2028, 12, 31),
        at=AT,
        reason="licence verified with the issuing bureau",
        decided_by="compliance-zhao",
        level=1,
        rule_set="medical-devices",
        rule_version=1,
    ),
    DisputeOpened(
        dispute_id=UUID("3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b"),
        opened_by=OpenedBy.PARTNER,
        claimant_id="dealer-shaoxing",
        respondent_ids=["dealer-hangzhou"],
        lead_id=LEAD,
        claim="We contacted this customer first, in January, before the registration.",
    ),
    LeadDecision(
        lead_id=LEAD,
        partner_id="dealer-hangzhou",
        outcome=DecisionOutcome.ACCEPTED,
        reason_code="first_valid_claim",
        reason="first valid registration of this customer; protected for 90 days",
        rule_set="building-materials",
        rule_version=1,
        decided_at=AT,
        lock=LockSummary(lock_id=LOCK, expires_at=datetime(2026, 5, 31, 9, 30, tzinfo=UTC)),
    ),
    LockChanged(
        lock_id=LOCK,
        lead_id=LEAD,
        partner_id="dealer-hangzhou",
        customer_key="cust-6f1e2d3c",
        change=LockChange.EXTENDED,
        expires_at=datetime(2026, 6, 30, 9, 30, tzinfo=UTC),
        at=AT,
        reason="follow-up visit on record",
        rule_set="building-materials",
        rule_version=1,
    ),
    DisputeRuling(
        dispute_id=UUID("3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b"),
        outcome=RulingOutcome.UPHELD,
        reason="The evidence chain shows dealer-hangzhou's registration and three visits before any contact.",
        decided_by="hq-arbiter-chen",
        level=2,
        lead_id=LEAD,
        shares=[CreditShare(party_id="dealer-hangzhou", ratio=Decimal(1))],
        rule_set="building-materials",
        rule_version=1,
        evidence_digest=DIGEST,
        decided_at=AT,
    ),
    DisputeProgressed(
        dispute_id=UUID("3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b"),
        step=DisputeStep.ESCALATED,
        at=datetime(2026, 3, 5, 9, 30, tzinfo=UTC),
        parties=["dealer-shaoxing", "dealer-hangzhou"],
        actor="arbitration",
        summary="The regional reviewer did not rule by the deadline; the dispute goes to an HQ arbiter.",
        level=2,
        due_at=datetime(2026, 3, 10, 9, 30, tzinfo=UTC),
        reason_code="deadline_passed",
    ),
    SettlementStatement(
        statement_id=STATEMENT,
        deal_id="ERP-2026-00042",
        kind=StatementKind.ORIGINAL,
        currency="CNY",
        distributable_amount=Decimal("72000.00"),
        lines=[
            StatementLine(
                line_id=UUID("4f5a6b7c-8d9e-4f0a-8b1c-2d3e4f5a6b7c"),
                party_id="direct-east",
                channel=Channel.DIRECT,
                amount=Decimal("57600.00"),
                rule="industrial-goods@1/contribution",
                description="80% by agreement",
            ),
            StatementLine(
                line_id=UUID("5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8e"),
                party_id="agent-zhang",
                channel=Channel.AGENT,
                amount=Decimal("14400.00"),
                rule="industrial-goods@1/contribution",
                description="20% by agreement",
            ),
        ],
        rule_set="industrial-goods",
        rule_version=1,
        approved_by="finance-wu",
        issued_at=AT,
    ),
    PaymentRetryRequested(
        statement_id=STATEMENT,
        line_id=UUID("5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8e"),
        party_id="agent-zhang",
        amount=Decimal("14400.00"),
        attempt=2,
        max_attempts=4,
        last_failure_reason="beneficiary account closed",
        requested_at=AT,
    ),
    PaymentFlagged(
        statement_id=STATEMENT,
        line_id=UUID("5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8e"),
        party_id="agent-zhang",
        amount=Decimal("14400.00"),
        attempts=4,
        last_failure_reason="beneficiary account closed",
        flagged_at=AT,
    ),
    SettlementPayment(
        payment_id="PAY-88001",
        statement_id=STATEMENT,
        line_id=UUID("5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8e"),
        status=PaymentStatus.PAID,
        amount=Decimal("14400.00"),
        reference="ICBC 6222 **** 0001",
        reported_at=AT,
    ),
    PartnerChanged(
        partner_id="dealer-hangzhou",
        name="杭州建材经销商",
        channel=Channel.DEALER,
        regions=["浙江"],
        status="active",
        producers=["partner-portal"],
        changed_by="channel-admin",
        changed_at=AT,
    ),
    ProcurementPlanReported(
        plan_id=UUID("3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"),
        partner_id="agent-ortho",
        customer_key="cust-3f2a9c1b",
        department="骨科",
        product_line="orthopaedics",
        item="关节置换手术器械 (20 套)",
        estimated_amount=Decimal("800000.00"),
        expected_on=date(2026, 6, 1),
        source=PlanSource.TENDER_NOTICE,
        notes="省采购平台公告 2026-0142",
    ),
    VisitReported(
        visit_id=UUID("4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a"),
        partner_id="agent-ortho",
        customer_key="cust-3f2a9c1b",
        department="骨科",
        product_line="orthopaedics",
        contact="设备科 李科长",
        visit_on=date(2026, 3, 5),
        status=VisitStatus.PLANNED,
        visited_by="张伟",
    ),
    BoardChanged(
        customer_key="cust-3f2a9c1b",
        change=BoardChange.VISIT_CLASH,
        partner_id="agent-ortho",
        subject_id=UUID("4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a"),
        slice="骨科",
        product_line="orthopaedics",
        contact="设备科 李科长",
        on=date(2026, 3, 5),
        partners=["agent-ortho", "agent-cardio"],
        other_visits=[UUID("5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b")],
        rule_set="medical-devices",
        rule_version=1,
        at=AT,
    ),
    EvidenceCheckpoint(
        chain="cust-9f1c2e7a",
        seq=7,
        hash="3b1f0c9e5d7a2b4c6e8f0a1b3c5d7e9f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d",
        at=AT,
    ),
)


def example_of(payload_type: type[Payload]) -> Payload | None:
    return next((e for e in EXAMPLES if type(e) is payload_type), None)
