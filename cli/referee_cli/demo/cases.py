"""The brief's three cases, played as partner portals, the ERP, finance and HQ staff would."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from hashlib import sha256
from uuid import uuid4

from stdnum.cn import uscc as uscc_checker

from referee_shared.auth import Role
from referee_shared.events.common import Attachment, Channel, CustomerIdentity
from referee_shared.events.deals import Contributor, DealClosed, DealOutcome
from referee_shared.events.disputes import DisputeOpened, DisputeStep, OpenedBy
from referee_shared.events.leads import ActivityKind, DecisionOutcome, LeadActivity, LeadDecision, LeadSubmitted
from referee_shared.events.qualifications import QualificationChange, QualificationScope, QualificationSubmitted
from referee_shared.events.settlements import PaymentStatus, SettlementPayment, SettlementStatement, StatementLine
from referee_shared.events.tasks import TaskKind, TaskOpened
from referee_shared.topics import (
    DEALS_CLOSED,
    DISPUTES_EVENTS,
    DISPUTES_OPENED,
    LEADS_ACTIVITIES,
    LEADS_DECISIONS,
    LEADS_SUBMITTED,
    QUALIFICATIONS_DECISIONS,
    QUALIFICATIONS_SUBMITTED,
    SETTLEMENTS_PAYMENTS,
    SETTLEMENTS_STATEMENTS,
    TASKS_EVENTS,
)

from .client import DemoClient
from .story import case, outcome, step

HOSPITAL_ADDRESS = "浙江省杭州市上城区庆春路79号"


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
    show(result)
    return result


def show(decision: LeadDecision) -> None:
    if decision.outcome is DecisionOutcome.ACCEPTED and decision.lock is not None:
        rules = f"{decision.rule_set}@{decision.rule_version}"
        outcome(f"accepted, locked until {decision.lock.expires_at:%Y-%m-%d} ({rules})")
    else:
        outcome(f"{decision.outcome.value}: {decision.reason} [{decision.reason_code}]", good=False)


async def decide_in_inbox(demo: DemoClient, task: TaskOpened, role: Role, who: str, choice: str, reason: str) -> None:
    """A member of staff opens the inbox, finds the task and decides it with a written reason."""
    async with demo.http("registration", role, who, regions=[]) as inbox:
        for _ in range(100):
            if (await inbox.get(f"/inbox/{task.task_id}")).status_code == 200:
                break
            await asyncio.sleep(0.1)
        answer = await inbox.post(f"/inbox/{task.task_id}/decision", json={"choice": choice, "reason": reason})
        answer.raise_for_status()
    outcome(f"{who} decided '{choice}' in the inbox: {reason}")


async def building_materials(demo: DemoClient) -> None:
    case("Case 1 · Building materials (建材): first registration locks, the trail decides the dispute")
    tag = run_tag()
    customer = CustomerIdentity(
        name=f"杭州滨江{tag}号建设有限公司",
        uscc=fresh_uscc("330106"),
        province="浙江省",
        city="杭州市",
        address="浙江省杭州市滨江区江南大道100号",
    )
    step(f"dealer-hangzhou registers {customer.name} (tiles, ¥380,000)")
    first = await register(demo, "dealer-hangzhou", Channel.DEALER, customer, "tiles", "380000")
    step("dealer-hangzhou records an on-site visit with a photo (system time, hash-chained)")
    visit = LeadActivity(
        activity_id=uuid4(),
        lead_id=first.lead_id,
        partner_id="dealer-hangzhou",
        kind=ActivityKind.CHECK_IN,
        summary="Visited the procurement manager; samples left.",
        attachments=[Attachment(name="visit.jpg", sha256=sha256(tag.encode()).hexdigest())],
    )
    await demo.publish(LEADS_ACTIVITIES, visit, key=str(first.lead_id))
    step("dealer-shaoxing, from the neighbouring city, registers the same customer written differently")
    copy = customer.model_copy(update={"name": f"杭州濱江{tag}號建設", "province": None, "city": None})
    rejected = await register(demo, "dealer-shaoxing", Channel.DEALER, copy, "tiles", "350000")
    step("dealer-shaoxing opens a dispute: 'we contacted them first'")
    dispute = DisputeOpened(
        dispute_id=uuid4(),
        opened_by=OpenedBy.PARTNER,
        claimant_id="dealer-shaoxing",
        respondent_ids=["dealer-hangzhou"],
        lead_id=rejected.lead_id,
        claim="We contacted this customer first, before dealer-hangzhou's registration.",
    )
    await demo.publish(DISPUTES_OPENED, dispute, key=str(dispute.dispute_id))
    opened = await demo.wait_for(
        DISPUTES_EVENTS, lambda e: e.payload.dispute_id == dispute.dispute_id and e.payload.step is DisputeStep.OPENED
    )
    outcome(opened.payload.summary)
    task = await demo.wait_for(
        TASKS_EVENTS,
        lambda e: isinstance(e.payload, TaskOpened) and e.payload.task_id.startswith(f"dispute-{dispute.dispute_id}"),
    )
    step("the regional manager reads the case file (evidence chain verified) and rules from the inbox")
    async with demo.http("arbitration", Role.ARBITER, "hq-chen") as arbitration:
        case_file = (await arbitration.get(f"/disputes/{dispute.dispute_id}/case-file")).text
    for line in case_file.splitlines():
        if line.strip().startswith(("#", "verified", "EVIDENCE")):
            outcome(line.strip())
    assert isinstance(task.payload, TaskOpened)  # the predicate chose an opened task
    await decide_in_inbox(
        demo,
        task.payload,
        Role.REVIEWER,
        "manager-wang",
        "uphold",
        "The chain shows dealer-hangzhou's registration and visit before any record of dealer-shaoxing.",
    )
    ruled = await demo.wait_for(
        DISPUTES_EVENTS, lambda e: e.payload.dispute_id == dispute.dispute_id and e.payload.step is DisputeStep.RULED
    )
    outcome(ruled.payload.summary)


async def medical_devices(demo: DemoClient) -> None:
    case("Case 2 · Medical devices (医疗器械): red card, qualification review, two agents in one hospital")
    hospital = f"浙江大学医学院附属第{run_tag()}医院"

    def department(name: str) -> CustomerIdentity:
        return CustomerIdentity(
            name=hospital, province="浙江省", city="杭州市", department=name, address=HOSPITAL_ADDRESS
        )

    step("agent-li, holding no orthopaedics qualification, registers orthopaedic implants for 骨科")
    await register(demo, "agent-li", Channel.AGENT, department("骨科"), "orthopaedics", "600000")
    step("agent-li submits an orthopaedic device distribution licence; compliance reviews it in the inbox")
    await qualify(demo, "agent-li", "orthopaedics", "浙械经营许" + run_tag())
    step("agent-li registers the same opportunity again")
    await register(demo, "agent-li", Channel.AGENT, department("骨科"), "orthopaedics", "600000")
    step("agent-wang, qualified for cardiology, registers the same hospital's 心内科 (another slice)")
    await qualify(demo, "agent-wang", "cardiology", "浙械经营许C" + run_tag())
    await register(demo, "agent-wang", Channel.AGENT, department("心内科"), "cardiology", "450000")


async def qualify(demo: DemoClient, partner: str, product_line: str, number: str) -> None:
    today = datetime.now(UTC).date()
    submission = QualificationSubmitted(
        submission_id=uuid4(),
        partner_id=partner,
        product_line=product_line,
        certificate_number=number,
        issuer="浙江省药品监督管理局",
        valid_from=today - timedelta(days=30),
        valid_to=date(today.year + 2, 12, 31),
        scope=QualificationScope(regions=["浙江"]),
        document=Attachment(name="licence.pdf", sha256=sha256(number.encode()).hexdigest()),
    )
    await demo.publish(QUALIFICATIONS_SUBMITTED, submission, key=partner)
    task = await demo.wait_for(
        TASKS_EVENTS,
        lambda e: (
            isinstance(e.payload, TaskOpened)
            and e.payload.kind is TaskKind.QUALIFICATION_REVIEW
            and e.payload.details.get("submission_id") == str(submission.submission_id)
        ),
    )
    assert isinstance(task.payload, TaskOpened)  # the predicate chose an opened task
    await decide_in_inbox(
        demo, task.payload, Role.REVIEWER, "compliance-zhao", "approve", "Licence checked with the issuing bureau."
    )
    await demo.wait_for(
        QUALIFICATIONS_DECISIONS,
        lambda e: (
            e.payload.submission_id == submission.submission_id and e.payload.change is QualificationChange.APPROVED
        ),
    )


async def industrial_goods(demo: DemoClient) -> None:
    case("Case 3 · Industrial goods (工业品): tiers route the account, money is split by contribution")
    customer = CustomerIdentity(
        name=f"宁波{run_tag()}精密机械股份有限公司", uscc=fresh_uscc("330200"), province="浙江省", city="宁波市"
    )
    step(f"agent-zhang registers {customer.name} for CNC machines worth ¥1,200,000")
    await register(demo, "agent-zhang", Channel.AGENT, customer, "cnc-machines", "1200000")
    step("the direct team registers it, as the tier rule says, with agent-zhang's introduction on record")
    decision = await register(demo, "direct-east", Channel.DIRECT, customer, "cnc-machines", "1200000")
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
    step(f"the ERP reports deal {deal.deal_id} won for ¥1,200,000, agent-zhang credited 20% by agreement")
    await demo.publish(DEALS_CLOSED, deal, key=deal.deal_id, producer="erp")
    task = await demo.wait_for(
        TASKS_EVENTS,
        lambda e: isinstance(e.payload, TaskOpened) and e.payload.task_id.startswith(f"settlement-{deal.deal_id}"),
    )
    assert isinstance(task.payload, TaskOpened)  # the predicate chose an opened task
    await decide_in_inbox(demo, task.payload, Role.FINANCE, "finance-wu", "approve", "Contribution agreement on file.")
    issued = await demo.wait_for(
        SETTLEMENTS_STATEMENTS,
        lambda e: isinstance(e.payload, SettlementStatement) and e.payload.deal_id == deal.deal_id,
    )
    statement = issued.payload
    assert isinstance(statement, SettlementStatement)
    outcome(f"statement to finance, distributable ¥{statement.distributable_amount:,}:")
    for line in statement.lines:
        outcome(f"  {line.party_id:<12} ¥{line.amount:>12,}  {line.rule}: {line.description}")
    step("finance pays both lines; the bank rejects agent-zhang's first transfer, the retry goes through")
    [agent_line] = [line for line in statement.lines if line.party_id == "agent-zhang"]
    await pay(demo, statement, failing=agent_line)
    async with demo.http("settlement", Role.FINANCE, "finance-wu") as settlement:
        view = (await settlement.get(f"/settlement/deals/{deal.deal_id}")).json()
        period = datetime.now(UTC).strftime("%Y-%m")
        report = (await settlement.get("/settlement/reconciliation", params={"period": period})).json()
    outcome(f"deal {deal.deal_id}: {view['status']}")
    outcome(
        f"reconciliation {period}: issued ¥{Decimal(report['issued']['amount']):,} = paid "
        f"¥{Decimal(report['paid']['amount']):,} + pending ¥{Decimal(report['pending']['amount']):,} + failed "
        f"¥{Decimal(report['failed']['amount']):,} + reversed ¥{Decimal(report['reversed']['amount']):,}; "
        f"balanced: {'yes' if report['balanced'] else 'NO'}"
    )


async def pay(demo: DemoClient, statement: SettlementStatement, failing: StatementLine) -> None:
    for line in statement.lines:
        status = PaymentStatus.FAILED if line.line_id == failing.line_id else PaymentStatus.PAID
        await demo.publish(
            SETTLEMENTS_PAYMENTS,
            SettlementPayment(
                payment_id=f"PAY-{uuid4().hex[:10]}",
                statement_id=statement.statement_id,
                line_id=line.line_id,
                status=status,
                amount=line.amount,
                failure_reason="beneficiary account frozen" if status is PaymentStatus.FAILED else "",
                reported_at=datetime.now(UTC),
            ),
            key=str(statement.statement_id),
            producer="finance",
        )
    await demo.wait_for(SETTLEMENTS_STATEMENTS, lambda e: getattr(e.payload, "line_id", None) == failing.line_id)
    outcome("settlement asked finance to pay agent-zhang's line again")
    await demo.publish(
        SETTLEMENTS_PAYMENTS,
        SettlementPayment(
            payment_id=f"PAY-{uuid4().hex[:10]}",
            statement_id=statement.statement_id,
            line_id=failing.line_id,
            status=PaymentStatus.PAID,
            amount=failing.amount,
            reference="retry",
            reported_at=datetime.now(UTC),
        ),
        key=str(statement.statement_id),
        producer="finance",
    )
