"""The demand board through the real Kafka, Temporal and PostgreSQL: the brief's three industries, what each
role and partner sees of a shared account, the attempts to read what is hidden and to post for another
partner, the clash of two partners' visits within the rule's window, and forged or poison messages."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from referee_dedup.domain.board import CHINA
from referee_shared.auth import Role
from referee_shared.events.board import (
    BoardChange,
    PlanSource,
    ProcurementPlanReported,
    VisitReported,
    VisitStatus,
)
from referee_shared.events.checks import DedupRequested
from referee_shared.events.common import Channel, CustomerIdentity
from referee_shared.events.envelope import envelope_json
from referee_shared.events.tasks import TaskKind, TaskOpened
from referee_shared.kafka.deadletter import DeadLetter
from referee_shared.topics import (
    BOARD_CHANGES,
    BOARD_PLANS,
    BOARD_VISITS,
    DEDUP_REQUESTS,
    DEDUP_VERDICTS,
    TASKS_EVENTS,
    dead_letter_topic,
)
from referee_shared.trust.keys import new_private_key, write_private_key
from referee_shared.trust.local import init_trust_dir, key_path, registry_path, signer_for
from referee_shared.trust.registry import Producer, ProducerRegistry

from ..builders import envelope
from ..stack import Stack, infrastructure_problems, new_prefix

ORTHO_PORTAL = "portal-ortho"
"""agent-ortho's own portal: registered to write the board topics for agent-ortho only."""
TODAY = datetime.now(CHINA).date()


@pytest.fixture(scope="module")
async def board_stack() -> AsyncIterator[Stack]:
    """Dedup alone (it owns the board), signing and verifying, with one partner's own portal registered."""
    problems = await infrastructure_problems()
    if problems:
        pytest.fail("the board tests need the real infrastructure:\n  " + "\n  ".join(problems), pytrace=False)
    stack = Stack(new_prefix("board"), {"dedup": 1})
    init_trust_dir(stack.trust_dir)
    key = new_private_key()
    write_private_key(key, key_path(stack.trust_dir, ORTHO_PORTAL))
    portal = Producer(
        ORTHO_PORTAL,
        (key.public_key(),),
        frozenset({BOARD_PLANS.name, BOARD_VISITS.name}),
        frozenset({"agent-ortho"}),
        "agent-ortho's own portal",
    )
    registry = ProducerRegistry.load(registry_path(stack.trust_dir))
    registry.with_producer(portal).save(registry_path(stack.trust_dir))
    await stack.start()
    yield stack
    await stack.stop()


async def claimed(stack: Stack, partner: str, who: CustomerIdentity, **claim: Any) -> str:
    """A claim as registration forwards it on dedup.requests; the account key dedup answers with."""
    request = DedupRequested(
        lead_id=uuid4(),
        partner_id=partner,
        channel=claim.get("channel", Channel.DEALER),
        customer=who,
        product_line=claim.get("product_line", "tiles"),
        estimated_amount=Decimal(claim.get("amount", "200000")),
        received_at=datetime.now(UTC),
        rule_set=claim.get("rule_set", "building-materials"),
        rule_version=1,
    )
    await stack.publish(DEDUP_REQUESTS, envelope(request, producer="registration"), key="浙江")
    [verdict] = await stack.events(DEDUP_VERDICTS, lambda e: e.payload.lead_id == request.lead_id)
    assert verdict.payload.outcome.value == "unique", verdict.payload.reason
    return str(verdict.payload.customer_key).split("#")[0]


async def bound(stack: Stack, account: str, department: str, partner: str) -> None:
    async with stack.http("dedup", stack.token(Role.ADMIN, "channel-admin")) as admin:
        answer = await admin.put(f"/customers/{account}/slices/{department}", json={"partner_id": partner})
        assert answer.status_code == 200, answer.text


def plan(partner: str, account: str, line: str, amount: str, item: str) -> ProcurementPlanReported:
    return ProcurementPlanReported(
        plan_id=uuid4(),
        partner_id=partner,
        customer_key=account,
        product_line=line,
        item=item,
        estimated_amount=Decimal(amount),
        expected_on=TODAY + timedelta(days=60),
        source=PlanSource.TENDER_NOTICE,
        notes="报价 底价",
    )


def visit(partner: str, account: str, line: str, contact: str, on: date) -> VisitReported:
    return VisitReported(
        visit_id=uuid4(),
        partner_id=partner,
        customer_key=account,
        product_line=line,
        contact=contact,
        visit_on=on,
        status=VisitStatus.PLANNED,
        visited_by=f"{partner}-销售",
    )


def as_partner(stack: Stack, partner: str) -> Any:
    return stack.http("dedup", stack.token(Role.PARTNER, partner, partner_id=partner))


async def change(stack: Stack, subject: UUID, kind: BoardChange) -> Any:
    [found] = await stack.events(
        BOARD_CHANGES, lambda e: e.payload.subject_id == subject and e.payload.change is kind, timeout=60
    )
    return found.payload


async def dead_letter(stack: Stack, key: str) -> DeadLetter:
    assert stack.watcher is not None
    [seen] = await stack.watcher.wait_for(
        stack.topic(dead_letter_topic("dedup")), lambda s: s.key == key.encode(), timeout=60
    )
    return DeadLetter.model_validate_json(seen.value)


async def hospital(stack: Stack) -> str:
    """Medical devices: a tertiary hospital split by department — orthopaedics claimed, cardiology bound."""
    who = CustomerIdentity(
        name=f"浙江省人民医院{uuid4().hex[:4]}院区", province="浙江省", city="杭州市", department="骨科"
    )
    account = await claimed(
        stack, "agent-ortho", who, channel=Channel.AGENT, product_line="orthopaedics", rule_set="medical-devices"
    )
    await bound(stack, account, "心内科", "agent-cardio")
    return account


async def test_medical_devices_each_role_and_partner_sees_what_it_may_of_a_hospital_split_by_department(
    board_stack: Stack,
) -> None:
    stack = board_stack
    account = await hospital(stack)
    reported = plan("agent-ortho", account, "orthopaedics", "800000", "关节置换器械 20 套")
    await stack.publish(BOARD_PLANS, envelope(reported, producer=ORTHO_PORTAL), key=account)
    added = await change(stack, reported.plan_id, BoardChange.PLAN_ADDED)
    assert "800000" not in json.dumps(added.model_dump(mode="json"))  # what goes out never carries amounts

    async with as_partner(stack, "agent-ortho") as own:
        mine = (await own.get(f"/board/{account}")).json()
    async with as_partner(stack, "agent-cardio") as other:
        theirs = (await other.get(f"/board/{account}")).json()
        listed = (await other.get("/board")).json()
    assert mine["plans"][0]["estimated_amount"] == "800000.00"
    assert mine["plans"][0]["notes"] == "报价 底价"
    assert theirs["plans"][0]["item"] == "关节置换器械 20 套"
    assert theirs["plans"][0]["estimated_amount"] is None
    assert theirs["plans"][0]["notes"] is None
    assert account in [a["customer_key"] for a in listed]

    async with as_partner(stack, "dealer-outsider") as outsider:
        hidden = await outsider.get(f"/board/{account}")
        missing = await outsider.get("/board/cust-nobody")
        outsider_list = (await outsider.get("/board")).json()
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()  # a hidden board reads exactly like a missing one
    assert account not in [a["customer_key"] for a in outsider_list]

    async with stack.http("dedup", stack.token(Role.REVIEWER, "rev-zj", regions=["浙江"])) as reviewer:
        seen = (await reviewer.get(f"/board/{account}")).json()
    async with stack.http("dedup", stack.token(Role.REVIEWER, "rev-js", regions=["江苏"])) as elsewhere:
        assert (await elsewhere.get(f"/board/{account}")).status_code == 404
    async with stack.http("dedup", stack.token(Role.ARBITER, "hq")) as hq:
        assert (await hq.get(f"/board/{account}")).json()["plans"][0]["estimated_amount"] == "800000.00"
    async with stack.http("dedup", stack.token(Role.FINANCE, "fin")) as finance:
        assert (await finance.get(f"/board/{account}")).status_code == 403
    assert seen["plans"][0]["estimated_amount"] == "800000.00"


async def test_posting_for_another_partner_is_refused_over_http_and_dead_lettered_over_kafka(
    board_stack: Stack,
) -> None:
    stack = board_stack
    account = await hospital(stack)
    body = {"product_line": "cardiology", "item": "起搏器", "source": "customer_meeting"}
    async with as_partner(stack, "dealer-outsider") as outsider:
        refused = await outsider.post(f"/board/{account}/plans", json=body)
    async with as_partner(stack, "agent-cardio") as cardio:
        in_the_name_of = await cardio.post(f"/board/{account}/plans", json={**body, "partner_id": "agent-ortho"})
    assert refused.status_code == 404
    assert in_the_name_of.status_code == 422  # the partner comes from the token, never from the body

    # agent-ortho's own portal speaking for agent-cardio
    forged = plan("agent-cardio", account, "cardiology", "300000", "支架")
    await stack.publish(BOARD_PLANS, envelope(forged, producer=ORTHO_PORTAL), key=str(forged.plan_id))
    letter = await dead_letter(stack, str(forged.plan_id))
    assert letter.reason.startswith("may_not_speak_for: portal-ortho may not speak for partner agent-cardio")

    # the gateway may speak for anyone, but a partner holding nothing of the account may not post on it
    stranger = plan("dealer-outsider", account, "orthopaedics", "100", "骨钉")
    await stack.publish(BOARD_PLANS, envelope(stranger), key=str(stranger.plan_id))
    letter = await dead_letter(stack, str(stranger.plan_id))
    assert "holds no slice or claim" in letter.reason

    # unsigned, signed with another producer's key, and bytes that are no event at all
    unsigned = plan("agent-ortho", account, "orthopaedics", "1", "骨钉")
    await stack.publish(BOARD_PLANS, envelope(unsigned), key=str(unsigned.plan_id), signed=False)
    assert (await dead_letter(stack, str(unsigned.plan_id))).reason.startswith("bad_signature")
    impostor = envelope(plan("agent-ortho", account, "orthopaedics", "1", "骨钉"))
    signature = signer_for(stack.trust_dir, ORTHO_PORTAL).signature(impostor.model_dump(mode="json"))
    await stack.publish_raw(
        BOARD_PLANS, envelope_json(impostor.model_copy(update={"signature": signature})), key="impostor"
    )
    assert (await dead_letter(stack, "impostor")).reason.startswith("bad_signature")
    await stack.publish_raw(BOARD_VISITS, b'{"type": "board.visit", "schema_version": 1', key="poison")
    assert (await dead_letter(stack, "poison")).reason.startswith("not JSON")

    async with stack.http("dedup", stack.token(Role.ARBITER, "hq")) as hq:
        board = (await hq.get(f"/board/{account}")).json()
    assert board["plans"] == []  # nothing refused reached the board


async def test_building_materials_two_dealers_visiting_one_buyer_within_the_window_are_flagged_and_a_reviewer_asked(
    board_stack: Stack,
) -> None:
    """Building materials: a construction group whose second buying unit is bound to another dealer."""
    stack = board_stack
    group = CustomerIdentity(name=f"浙江宏远建设集团{uuid4().hex[:4]}有限公司", province="浙江省", city="杭州市")
    account = await claimed(stack, "dealer-hangzhou", group)
    await bound(stack, account, "采购二部", "dealer-ningbo")

    first = visit("dealer-hangzhou", account, "tiles", "采购部 陈经理", TODAY)
    await stack.publish(BOARD_VISITS, envelope(first), key=account)
    await change(stack, first.visit_id, BoardChange.VISIT_PLANNED)
    async with as_partner(stack, "dealer-ningbo") as ningbo:
        seen = (await ningbo.get(f"/board/{account}")).json()
        [theirs] = seen["visits"]
        assert theirs["this_week"] is True  # the other dealer sees the contact is being visited this week
        assert theirs["visited_by"] is None
        posted = await ningbo.post(
            f"/board/{account}/visits",
            json={
                "product_line": "tiles",
                "contact": "采购部陈经理",
                "visit_on": (TODAY + timedelta(days=2)).isoformat(),
                "visited_by": "宁波 小王",
            },
        )
        assert posted.status_code == 201, posted.text
        assert posted.json()["changes"] == ["visit_planned", "visit_clash"]
        second = UUID(posted.json()["id"])
        clash = await change(stack, second, BoardChange.VISIT_CLASH)
        assert clash.partners == ["dealer-hangzhou", "dealer-ningbo"]
        assert clash.other_visits == [first.visit_id]

        done = await ningbo.post(
            f"/board/{account}/visits",
            json={
                "visit_id": str(second),
                "product_line": "tiles",
                "contact": "采购部陈经理",
                "visit_on": (TODAY + timedelta(days=2)).isoformat(),
                "status": "done",
                "visited_by": "宁波 小王",
            },
        )
        assert done.json()["changes"] == ["visit_done", "clash_visited"]
    [task] = await stack.events(
        TASKS_EVENTS,
        lambda e: isinstance(e.payload, TaskOpened) and e.payload.task_id == f"clash-{second}",
        timeout=60,
    )
    opened = task.payload
    assert opened.kind is TaskKind.VISIT_CLASH
    assert opened.role == "reviewer"
    assert opened.region is not None
    assert opened.region.startswith("浙江")
    assert opened.subject_party_ids == ["dealer-hangzhou", "dealer-ningbo"]


async def test_industrial_goods_the_direct_team_sees_the_agents_tender_plan_without_its_amount(
    board_stack: Stack,
) -> None:
    """Industrial goods: the direct team holds a key account; an agent is bound to its expansion project."""
    stack = board_stack
    plant = CustomerIdentity(name=f"杭州钱塘重工{uuid4().hex[:4]}有限公司", province="浙江省", city="杭州市")
    account = await claimed(
        stack,
        "direct-east",
        plant,
        channel=Channel.DIRECT,
        product_line="cnc-machines",
        rule_set="industrial-goods",
        amount="1500000",
    )
    await bound(stack, account, "二期扩建项目", "agent-zhang")
    async with as_partner(stack, "agent-zhang") as agent:
        posted = await agent.post(
            f"/board/{account}/plans",
            json={
                "department": "二期扩建项目",
                "product_line": "cnc-machines",
                "item": "五轴加工中心 3 台",
                "estimated_amount": "2400000",
                "source": "tender_notice",
                "expected_on": (TODAY + timedelta(days=90)).isoformat(),
            },
        )
        assert posted.status_code == 201, posted.text
    async with as_partner(stack, "direct-east") as direct:
        [line] = (await direct.get(f"/board/{account}")).json()["plans"]
        far = visit("direct-east", account, "cnc-machines", "设备部 周总", TODAY + timedelta(days=30))
        far_posted = await direct.post(
            f"/board/{account}/visits",
            json=json.loads(far.model_dump_json(exclude={"partner_id", "customer_key"})),
        )
    assert line["item"] == "五轴加工中心 3 台"
    assert line["slice"] == "二期扩建项目"
    assert line["estimated_amount"] is None
    assert line["source"] == "tender_notice"
    assert far_posted.json()["changes"] == ["visit_planned"]
