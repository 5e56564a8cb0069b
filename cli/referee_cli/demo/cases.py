"""The brief's three cases: building materials, medical devices, industrial goods."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

from stdnum.cn import uscc as uscc_checker

from referee_shared.events.common import Channel, CustomerIdentity
from referee_shared.events.deals import Contributor, DealClosed, DealOutcome
from referee_shared.events.leads import DecisionOutcome, LeadDecision, LeadSubmitted
from referee_shared.topics import DEALS_CLOSED, LEADS_DECISIONS, LEADS_SUBMITTED

from .client import DemoClient
from .story import case, outcome, step


def fresh_uscc(region_code: str) -> str:
    """A valid credit code no earlier demo run used (the referee remembers every customer)."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    stem = f"91{region_code}" + "".join(random.choice(alphabet) for _ in range(9))
    return stem + uscc_checker.calc_check_digit(stem)


def run_tag() -> str:
    return datetime.now(UTC).strftime("%m%d%H%M%S")


async def register(
    demo: DemoClient, partner: str, channel: Channel, customer: CustomerIdentity, product_line: str, amount: str
) -> LeadDecision:
    lead = LeadSubmitted(
        lead_id=uuid4(),
        partner_id=partner,
        channel=channel,
        customer=customer,
        product_line=product_line,
        estimated_amount=Decimal(amount),
    )
    await demo.publish(LEADS_SUBMITTED, lead, key=str(lead.lead_id))
    decision = await demo.wait_for(LEADS_DECISIONS, lambda e: e.payload.lead_id == lead.lead_id)
    result: LeadDecision = decision.payload
    return result


def show(decision: LeadDecision) -> None:
    if decision.outcome is DecisionOutcome.ACCEPTED and decision.lock is not None:
        rules = f"{decision.rule_set}@{decision.rule_version}"
        outcome(f"accepted, locked until {decision.lock.expires_at:%Y-%m-%d} ({rules})")
    else:
        until = f"; protected until {decision.protected_until:%Y-%m-%d}" if decision.protected_until else ""
        outcome(f"{decision.outcome.value}: {decision.reason} [{decision.reason_code}]{until}", good=False)


async def building_materials(demo: DemoClient) -> UUID:
    case("Case 1 · Building materials (建材): first registration locks the customer")
    tag = run_tag()
    code = fresh_uscc("330106")
    customer = CustomerIdentity(
        name=f"杭州滨江{tag}号建设有限公司",
        uscc=code,
        province="浙江省",
        city="杭州市",
        address="浙江省杭州市滨江区江南大道100号",
    )
    step(f"dealer-hangzhou registers {customer.name} (tiles, ¥380,000)")
    first = await register(demo, "dealer-hangzhou", Channel.DEALER, customer, "tiles", "380000")
    show(first)
    step("dealer-shaoxing, the neighbouring city's dealer, registers the same customer (written differently)")
    copy = customer.model_copy(update={"name": f"杭州濱江{tag}號建設", "province": None, "city": None})
    show(await register(demo, "dealer-shaoxing", Channel.DEALER, copy, "tiles", "350000"))
    return first.lead_id


async def medical_devices(demo: DemoClient) -> None:
    case("Case 2 · Medical devices (医疗器械): qualification per product line")
    hospital = CustomerIdentity(
        name=f"浙江大学医学院附属第{run_tag()}医院",
        province="浙江省",
        city="杭州市",
        department="骨科",
        address="浙江省杭州市上城区庆春路79号",
    )
    step("agent-li, holding no orthopaedics qualification, registers orthopaedic implants at a tertiary hospital")
    show(await register(demo, "agent-li", Channel.AGENT, hospital, "orthopaedics", "600000"))


async def industrial_goods(demo: DemoClient) -> None:
    case("Case 3 · Industrial goods (工业品): a large account won with an agent's help")
    customer = CustomerIdentity(
        name=f"宁波{run_tag()}精密机械股份有限公司",
        uscc=fresh_uscc("330200"),
        province="浙江省",
        city="宁波市",
    )
    step(f"direct-east registers {customer.name} (CNC machines, ¥1,200,000), introduced by agent-zhang")
    decision = await register(demo, "direct-east", Channel.DIRECT, customer, "cnc-machines", "1200000")
    show(decision)
    if decision.outcome is not DecisionOutcome.ACCEPTED:
        return
    deal = DealClosed(
        deal_id=f"ERP-{run_tag()}",
        lead_id=decision.lead_id,
        outcome=DealOutcome.WON,
        amount=Decimal("1200000"),
        closed_at=datetime.now(UTC),
        contributors=[
            Contributor(party_id="direct-east", channel=Channel.DIRECT, ratio=Decimal("0.8")),
            Contributor(party_id="agent-zhang", channel=Channel.AGENT, ratio=Decimal("0.2")),
        ],
        product_line="cnc-machines",
        owner_id="direct-east",
        owner_channel=Channel.DIRECT,
    )
    step(f"the ERP reports deal {deal.deal_id} won for ¥1,200,000 (agent-zhang credited 20% by agreement)")
    await demo.publish(DEALS_CLOSED, deal, key=deal.deal_id, producer="erp")
    outcome("deal recorded by the settlement service")
