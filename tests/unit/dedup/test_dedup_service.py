"""Dedup's decisions through the in-memory broker: duplicates, reviews, territories, slices and tiers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from referee_dedup.usecases import Dedup
from referee_dedup.workflows.models import ReviewDecision
from referee_dedup.workflows.steps import ReviewSteps
from referee_shared.events.checks import DedupOutcome, DedupRequested, DedupVerdict
from referee_shared.events.common import Channel, CustomerIdentity, GeoPoint
from referee_shared.events.leads import DecisionOutcome
from referee_shared.events.tasks import TaskKind, TaskOpened
from referee_shared.kafka.deadletter import DeadLetter
from referee_shared.topics import DEDUP_REQUESTS, DEDUP_VERDICTS, LEADS_DECISIONS, LEADS_SUBMITTED, TASKS_EVENTS

from ...builders import customer, envelope, make_uscc, submission
from ..conftest import InMemorySystem

HOSPITAL = "浙江大学医学院附属第一医院"


def claim(
    partner: str,
    who: CustomerIdentity,
    *,
    rule_set: str = "building-materials",
    channel: Channel = Channel.DEALER,
    amount: str = "100000",
    product_line: str = "tiles",
) -> DedupRequested:
    return DedupRequested(
        lead_id=uuid4(),
        partner_id=partner,
        channel=channel,
        customer=who,
        product_line=product_line,
        estimated_amount=Decimal(amount),
        received_at=datetime.now(UTC),
        rule_set=rule_set,
        rule_version=1,
    )


async def verdict_on(system: InMemorySystem, request: DedupRequested) -> DedupVerdict:
    await system.publish(DEDUP_REQUESTS, envelope(request, producer="registration"), key="zhejiang")
    return verdicts_of(system, request.lead_id)[-1]


def verdicts_of(system: InMemorySystem, lead_id: UUID) -> list[DedupVerdict]:
    return [e.payload for e in system.events(DEDUP_VERDICTS) if e.payload.lead_id == lead_id]


def dedup(system: InMemorySystem) -> Dedup:
    found: Any = system.components["dedup"]
    return found  # type: ignore[no-any-return]


async def test_disguised_second_registration_is_rejected_and_the_verdict_explains_why(system: InMemorySystem) -> None:
    first = submission("dealer-hangzhou", who=customer("杭州滨江建设有限公司", phone="0571-88888888"))
    second = submission("dealer-hangzhou", who=customer("杭州濱江建設\u200b股份有限公司", phone="+86 571 8888 8888"))
    await system.publish(LEADS_SUBMITTED, envelope(first))
    await system.publish(LEADS_SUBMITTED, envelope(second))

    decisions = {d.payload.lead_id: d.payload for d in system.events(LEADS_DECISIONS)}
    assert decisions[second.lead_id].outcome is DecisionOutcome.REJECTED
    assert decisions[second.lead_id].reason_code == "duplicate"
    [verdict] = verdicts_of(system, second.lead_id)
    fields = {reason.field: reason for reason in verdict.explanation}
    assert fields["name"].score == 1.0
    assert fields["phone"].score == 1.0
    assert "duplicate_threshold 0.92" in fields["rule"].detail
    assert "building-materials@1" in fields["rule"].detail


async def test_possible_duplicate_is_held_as_a_reviewer_task_and_the_decision_is_remembered(
    system: InMemorySystem,
) -> None:
    def industrial(partner: str, who: CustomerIdentity) -> DedupRequested:
        return claim(partner, who, rule_set="industrial-goods", channel=Channel.AGENT, product_line="compressors")

    protected = await verdict_on(system, industrial("agent-li", customer("杭州滨江建设有限公司")))
    bare = CustomerIdentity(name="滨江建设")  # no place at all: only a reviewer can tell
    held = industrial("agent-wang", bare)
    verdict = await verdict_on(system, held)

    assert verdict.outcome is DedupOutcome.POSSIBLE
    assert verdict.matched_customer_key == protected.customer_key
    [review] = system.reviews.started
    assert review.choices == ["duplicate", "distinct"]
    await ReviewSteps(system.runtimes["dedup"].transactions).open_task(_opened(review.task_id, review.choices))
    await system.settle()
    assert [e.payload.task_id for e in system.events(TASKS_EVENTS)] == [review.task_id]

    decision = ReviewDecision(task_id=review.task_id, choice="distinct", decided_by="li", reason="another firm")
    await dedup(system).apply_review(decision)
    await dedup(system).apply_review(decision)  # an activity retried: applied once
    await system.settle()
    follow_up = verdicts_of(system, held.lead_id)
    assert [v.outcome for v in follow_up] == [DedupOutcome.POSSIBLE, DedupOutcome.UNIQUE]
    assert follow_up[-1].review_task_id == review.task_id

    again = await verdict_on(system, industrial("agent-zhao", bare))
    assert again.outcome is DedupOutcome.DUPLICATE  # the reviewed customer, not a second review
    assert again.customer_key == follow_up[-1].customer_key
    assert len(system.reviews.started) == 1


async def test_registration_outside_the_partners_regions_is_refused_naming_the_rule(system: InMemorySystem) -> None:
    verdict = await verdict_on(system, claim("dealer-shaoxing", customer("杭州余杭建材市场")))

    assert verdict.outcome is DedupOutcome.REFUSED
    assert verdict.reason_code == "out_of_region"
    assert "浙江省/绍兴市" in verdict.reason
    assert "territory.partner_regions" in verdict.reason


async def test_no_cross_region_registration_within_30_km_of_another_regions_protected_customer(
    system: InMemorySystem,
) -> None:
    near_border = customer("杭州萧山建材城", location=GeoPoint(lat=30.17, lon=120.27), district="萧山区")
    await verdict_on(system, claim("dealer-hangzhou", near_border))
    shaoxing = CustomerIdentity(
        name="绍兴柯桥装饰城", province="浙江省", city="绍兴市", location=GeoPoint(lat=30.08, lon=120.45)
    )
    far_away = CustomerIdentity(
        name="绍兴上虞陶瓷城", province="浙江省", city="绍兴市", location=GeoPoint(lat=30.03, lon=120.87)
    )

    refused = await verdict_on(system, claim("dealer-shaoxing", shaoxing))
    accepted = await verdict_on(system, claim("dealer-shaoxing", far_away))

    assert refused.outcome is DedupOutcome.REFUSED
    assert refused.reason_code == "cross_region_radius"
    assert "30" in refused.reason
    assert accepted.outcome is DedupOutcome.UNIQUE


async def test_two_agents_own_two_departments_of_one_hospital(system: InMemorySystem) -> None:
    def hospital(department: str) -> CustomerIdentity:
        return customer(HOSPITAL, department=department, address="浙江省杭州市上城区庆春路79号")

    def agent(partner: str, department: str) -> DedupRequested:
        return claim(
            partner,
            hospital(department),
            rule_set="medical-devices",
            channel=Channel.AGENT,
            product_line="orthopaedics",
        )

    orthopaedics = await verdict_on(system, agent("agent-li", "骨科"))
    cardiology = await verdict_on(system, agent("agent-wang", "心内科"))
    poacher = await verdict_on(system, agent("agent-zhao", "骨科门诊"))

    assert orthopaedics.outcome is DedupOutcome.UNIQUE
    assert cardiology.outcome is DedupOutcome.UNIQUE
    assert orthopaedics.customer_key.endswith("#骨科")
    assert cardiology.customer_key.endswith("#心内科")
    assert orthopaedics.customer_key.split("#")[0] == cardiology.customer_key.split("#")[0]
    assert poacher.outcome is DedupOutcome.DUPLICATE
    assert poacher.customer_key == orthopaedics.customer_key


async def test_opportunities_routed_by_tier_refuse_the_wrong_channel(system: InMemorySystem) -> None:
    def opportunity(channel: Channel, amount: str, serial: int) -> DedupRequested:
        who = customer(f"宁波重工{serial}", uscc=make_uscc(900 + serial), province="浙江省", city="宁波市")
        return claim(
            "party", who, rule_set="industrial-goods", channel=channel, amount=amount, product_line="cnc-machines"
        )

    wrong = await verdict_on(system, opportunity(Channel.AGENT, "1200000", 1))
    right = await verdict_on(system, opportunity(Channel.DIRECT, "1200000", 2))
    small = await verdict_on(system, opportunity(Channel.AGENT, "300000", 3))

    assert wrong.outcome is DedupOutcome.REFUSED
    assert wrong.reason_code == "tier_channel"
    assert "key-account" in wrong.reason
    assert (right.outcome, right.tier) == (DedupOutcome.UNIQUE, "key-account")
    assert (small.outcome, small.tier) == (DedupOutcome.UNIQUE, "small")


async def test_invalid_unified_social_credit_code_is_dead_lettered_with_the_reason(system: InMemorySystem) -> None:
    document = envelope(claim("dealer-hangzhou", customer())).model_dump(mode="json")
    document["payload"]["customer"]["uscc"] = "91330106MA27Y5AB3X"

    await system.publish_raw(DEDUP_REQUESTS, json.dumps(document).encode())

    [letter] = [DeadLetter.model_validate_json(raw) for raw in system.raw("deadletter.dedup")]
    assert "invalid unified social credit code" in letter.reason
    assert system.events(DEDUP_VERDICTS) == []


def _opened(task_id: str, choices: list[str]) -> TaskOpened:
    now = datetime.now(UTC)
    return TaskOpened(
        task_id=task_id,
        kind=TaskKind.DUPLICATE_REVIEW,
        title="review",
        role="reviewer",
        workflow_id="wf",
        update_name="decide",
        choices=choices,
        opened_at=now,
    )


async def test_a_branch_of_a_protected_group_is_related_a_conflict_only_where_the_rule_set_says_so(
    system: InMemorySystem,
) -> None:
    def industrial(who: CustomerIdentity) -> DedupRequested:
        return claim(
            "agent-li",
            who,
            rule_set="industrial-goods",
            channel=Channel.AGENT,
            amount="200000",
            product_line="compressors",
        )

    group = claim("dealer-hangzhou", customer("杭州恒瑞建材有限公司", phone="0571-86771234"))
    branch = claim(
        "dealer-hangzhou",
        customer("杭州恒瑞建材有限公司萧山分公司", phone="0571-82880000", address="杭州市萧山区市心中路8号"),
    )
    assert (await verdict_on(system, group)).outcome is DedupOutcome.UNIQUE
    related = await verdict_on(system, branch)
    assert related.outcome is DedupOutcome.RELATED  # building materials: related_is_conflict (default)
    assert related.reason_code == "related"
    assert "a branch of 杭州恒瑞建材有限公司" in related.reason
    assert "another branch" in related.explanation[-1].detail

    industrial_group = industrial(customer("杭州钱江压缩机有限公司", phone="0571-86991234"))
    industrial_branch = industrial(
        customer("杭州钱江压缩机有限公司萧山分公司", phone="0571-82990000", address="杭州市萧山区市心中路9号")
    )
    assert (await verdict_on(system, industrial_group)).outcome is DedupOutcome.UNIQUE
    assert (await verdict_on(system, industrial_branch)).outcome is DedupOutcome.UNIQUE  # related_is_conflict: false
