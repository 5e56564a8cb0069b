"""Histories for what-if tests and the bench: the brief's three industries' registrations, follow-ups and
deals at fixed times, so a replay is the same every run."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID, uuid5

from referee_registration.whatif.history import History
from referee_shared.events.common import Channel, CustomerIdentity, GeoPoint
from referee_shared.events.deals import Contributor, DealClosed, DealOutcome
from referee_shared.events.leads import ActivityKind, LeadActivity, LeadSubmitted
from referee_shared.events.qualifications import QualificationChange, QualificationChanged
from referee_shared.rules.rulebook import RuleBook
from referee_shared.rules.ruleset import RuleSet

REPO_ROOT = Path(__file__).resolve().parents[1]
RULES = REPO_ROOT / "rules"
UNTIL = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
NAMESPACE = UUID("6a1d2f3e-0000-4000-8000-000000000014")


def lead_id(name: str) -> UUID:
    return uuid5(NAMESPACE, name)


def book() -> RuleBook:
    return RuleBook.load(RULES)


def draft_of(rule_set: str, **changes: object) -> RuleSet:
    """The newest version of ``rule_set`` with ``changes`` (dotted section.field keys), as version + 1."""
    current = max((r for r in book().rule_sets if r.id == rule_set), key=lambda r: r.version)
    document = current.model_dump(mode="json")
    for dotted, value in changes.items():
        section, _, name = dotted.partition(".")
        document[section][name] = value
    document["version"] = current.version + 1
    document["effective_from"] = (UNTIL + timedelta(days=7)).isoformat()
    return RuleSet.model_validate(document)


def submitted(
    name: str,
    partner: str,
    channel: Channel,
    customer: CustomerIdentity,
    product_line: str,
    amount: str,
) -> LeadSubmitted:
    return LeadSubmitted(
        lead_id=lead_id(name),
        partner_id=partner,
        channel=channel,
        customer=customer,
        product_line=product_line,
        estimated_amount=Decimal(amount),
    )


def won(
    name: str,
    lead: str,
    amount: str,
    at: datetime,
    owner: str,
    channel: Channel,
    product_line: str,
    contributors: list[Contributor] | None = None,
) -> DealClosed:
    return DealClosed(
        deal_id=f"deal-{name}",
        lead_id=lead_id(lead),
        outcome=DealOutcome.WON,
        amount=Decimal(amount),
        closed_at=at,
        product_line=product_line,
        owner_id=owner,
        owner_channel=channel,
        contributors=contributors or [],
    )


def visit(name: str, lead: str, partner: str) -> LeadActivity:
    return LeadActivity(
        activity_id=lead_id(f"visit-{name}"),
        lead_id=lead_id(lead),
        partner_id=partner,
        kind=ActivityKind.VISIT,
        summary="visited the purchasing manager",
    )


def at(days_before_until: float) -> datetime:
    return UNTIL - timedelta(days=days_before_until)


def building_materials() -> History:
    """Hangzhou and Shaoxing dealers near their common border: customers 12 km and 25 km apart."""
    history = History()
    hangzhou = CustomerIdentity(
        name="杭州萧山临江建材有限公司",
        province="浙江省",
        city="杭州市",
        district="萧山区",
        address="浙江省杭州市萧山区临江大道8号",
        location=GeoPoint(lat=30.2000, lon=120.5000),
    )
    near = CustomerIdentity(  # about 12 km from the Hangzhou customer
        name="绍兴柯桥华丰装饰工程有限公司",
        province="浙江省",
        city="绍兴市",
        district="柯桥区",
        address="浙江省绍兴市柯桥区华舍街道1号",
        location=GeoPoint(lat=30.0950, lon=120.5000),
    )
    farther = CustomerIdentity(  # about 25 km from it
        name="绍兴越城明远置业有限公司",
        province="浙江省",
        city="绍兴市",
        district="越城区",
        address="浙江省绍兴市越城区解放北路20号",
        location=GeoPoint(lat=29.9750, lon=120.5000),
    )
    history.add(at(100), submitted("bm-hangzhou", "dealer-hangzhou", Channel.DEALER, hangzhou, "tiles", "380000"))
    history.add(at(99), visit("bm-hangzhou", "bm-hangzhou", "dealer-hangzhou"))
    history.add(at(60), submitted("bm-near", "dealer-shaoxing", Channel.DEALER, near, "tiles", "200000"))
    history.add(at(50), submitted("bm-farther", "dealer-shaoxing", Channel.DEALER, farther, "coatings", "150000"))
    history.add(
        at(20), won("bm-farther", "bm-farther", "150000", at(20), "dealer-shaoxing", Channel.DEALER, "coatings")
    )
    return history


def medical_devices() -> History:
    """One tertiary hospital: agent-a registers orthopaedics, agent-b cardiology a week later."""
    history = History()
    hospital = "浙江大学医学院附属第一医院"
    for partner, line, certificate in (
        ("agent-a", "orthopaedics", "orthopaedic-device-distribution"),
        ("agent-b", "cardiology", "cardiovascular-device-distribution"),
    ):
        history.add(
            at(200),
            QualificationChanged(
                submission_id=lead_id(f"cert-{partner}"),
                partner_id=partner,
                product_line=line,
                qualification=certificate,
                certificate_number=f"ZJ-{partner}",
                change=QualificationChange.APPROVED,
                status="approved",
                valid_from=date(2026, 1, 1),
                valid_to=date(2027, 12, 31),
                at=at(200),
                rule_set="medical-devices",
                rule_version=1,
            ),
        )
    orthopaedics = CustomerIdentity(
        name=hospital,
        province="浙江省",
        city="杭州市",
        address="浙江省杭州市上城区庆春路79号",
        department="骨科",
    )
    cardiology = orthopaedics.model_copy(update={"department": "心内科"})
    history.add(at(90), submitted("md-ortho", "agent-a", Channel.AGENT, orthopaedics, "orthopaedics", "600000"))
    history.add(at(83), submitted("md-cardio", "agent-b", Channel.AGENT, cardiology, "cardiology", "450000"))
    history.add(at(30), won("md-cardio", "md-cardio", "450000", at(30), "agent-b", Channel.AGENT, "cardiology"))
    return history


def industrial_goods() -> History:
    """An agent registers a ¥900,000 account (medium under version 1); the direct team a ¥1,200,000 one."""
    history = History()
    medium = CustomerIdentity(
        name="苏州精工机床制造有限公司", province="江苏省", city="苏州市", address="江苏省苏州市工业园区星湖街88号"
    )
    large = CustomerIdentity(
        name="无锡恒力压缩机有限公司", province="江苏省", city="无锡市", address="江苏省无锡市新吴区长江路18号"
    )
    history.add(at(80), submitted("ig-medium", "agent-jiangsu", Channel.AGENT, medium, "cnc-machines", "900000"))
    history.add(at(70), submitted("ig-large", "direct-sales", Channel.DIRECT, large, "compressors", "1200000"))
    helper = [Contributor(party_id="agent-jiangsu", channel=Channel.AGENT, ratio=Decimal("0.2"))]
    history.add(at(10), won("ig-medium", "ig-medium", "900000", at(10), "agent-jiangsu", Channel.AGENT, "cnc-machines"))
    history.add(
        at(5), won("ig-large", "ig-large", "1200000", at(5), "direct-sales", Channel.DIRECT, "compressors", helper)
    )
    return history
