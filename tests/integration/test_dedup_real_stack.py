"""Dedup through the real Kafka, Temporal and PostgreSQL: disguised duplicates, a reviewed possible
duplicate, and the HTTP API arbitration uses to read a lead's verdicts."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from fastapi import FastAPI

from referee_dedup.api import build_router
from referee_dedup.workflows.models import REVIEW_WORKFLOW_KIND
from referee_shared.auth import Role, issue_token
from referee_shared.events.checks import DedupOutcome
from referee_shared.events.common import Channel, CustomerIdentity
from referee_shared.events.leads import DecisionOutcome, LeadSubmitted
from referee_shared.events.tasks import TaskDecision
from referee_shared.token_verifier import TokenPolicy, TokenVerifier
from referee_shared.topics import DEDUP_VERDICTS, LEADS_DECISIONS, LEADS_SUBMITTED, TASKS_EVENTS

from ..builders import customer, envelope, submission
from ..stack import Stack


def api_client(stack: Stack) -> httpx.AsyncClient:
    runtime, dedup = stack.runtimes["dedup"][0], stack.services["dedup"][0]
    app = FastAPI()
    app.state.tokens = TokenVerifier(TokenPolicy.from_settings(runtime.settings))
    app.include_router(build_router(runtime.transactions, dedup))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://dedup")


def token(stack: Stack, role: Role) -> dict[str, str]:
    secret = stack.runtimes["dedup"][0].settings.auth_secret
    partner = "dealer-hangzhou" if role is Role.PARTNER else None
    signed = issue_token(secret, subject="tester", role=role, partner_id=partner, now=datetime.now(UTC))
    return {"Authorization": f"Bearer {signed}"}


async def test_disguised_duplicate_is_rejected_and_arbitration_reads_the_explained_verdict(stack: Stack) -> None:
    first = submission("dealer-hangzhou", who=customer("杭州之江装饰工程有限公司", phone="0571-86001234"))
    disguised = submission(
        "dealer-hangzhou", who=customer("杭州 之江\u200b裝飾工程（中国）股份有限公司", phone="+86 571 8600 1234")
    )
    await stack.publish(LEADS_SUBMITTED, envelope(first))
    await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == first.lead_id)
    await stack.publish(LEADS_SUBMITTED, envelope(disguised))

    [rejected] = await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == disguised.lead_id)
    assert rejected.payload.outcome is DecisionOutcome.REJECTED
    assert rejected.payload.reason_code == "duplicate"
    async with api_client(stack) as client:
        answer = await client.get(
            "/verdicts", params={"lead_id": str(disguised.lead_id)}, headers=token(stack, Role.ARBITER)
        )
        assert answer.status_code == 200
        [verdict] = answer.json()
        assert verdict["outcome"] == "duplicate"
        assert {r["field"] for r in verdict["explanation"]} >= {"name", "phone", "rule"}
        customer_view = await client.get(f"/customers/{verdict['customer_key']}", headers=token(stack, Role.REVIEWER))
        assert customer_view.json()["normalised"]["core"] == "之江装饰工程"
        partner = await client.get(
            "/verdicts", params={"lead_id": str(disguised.lead_id)}, headers=token(stack, Role.PARTNER)
        )
        assert partner.status_code == 403
        missing = await client.get("/customers/cust-nobody", headers=token(stack, Role.REVIEWER))
        assert missing.status_code == 404


async def test_possible_duplicate_becomes_an_inbox_task_and_the_reviewers_decision_answers_the_lead(
    stack: Stack,
) -> None:
    def industrial(partner: str, who: CustomerIdentity) -> LeadSubmitted:
        return submission(partner, who=who, product_line="compressors", channel=Channel.AGENT, amount="200000")

    protected = industrial("agent-li", customer("杭州钱江压缩机配件有限公司"))
    bare = industrial("agent-wang", CustomerIdentity(name="钱江压缩机配件"))
    await stack.publish(LEADS_SUBMITTED, envelope(protected))
    await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == protected.lead_id)
    await stack.publish(LEADS_SUBMITTED, envelope(bare))
    lead_id = bare.lead_id

    [held] = await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == lead_id)
    assert held.payload.outcome is DecisionOutcome.HELD
    task_id = f"dup-{lead_id}"
    [opened] = await stack.events(TASKS_EVENTS, lambda e: e.payload.task_id == task_id)
    assert opened.payload.update_name == "decide"
    assert opened.payload.workflow_id == stack.settings("dedup").workflow_id(REVIEW_WORKFLOW_KIND, lead_id)

    assert stack.temporal is not None
    handle = stack.temporal.get_workflow_handle(opened.payload.workflow_id)
    decision = TaskDecision(task_id=task_id, choice="distinct", reason="other firm", decided_by="li", role="reviewer")
    assert await handle.execute_update("decide", decision) == "distinct"

    verdicts = await stack.events(DEDUP_VERDICTS, lambda e: e.payload.lead_id == lead_id, count=2)
    assert [v.payload.outcome for v in verdicts] == [DedupOutcome.POSSIBLE, DedupOutcome.UNIQUE]
    assert verdicts[-1].payload.review_task_id == task_id
    await stack.events(TASKS_EVENTS, lambda e: e.payload.task_id == task_id and e.type == "task.closed")
    decisions = await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == lead_id, count=2)
    assert [d.payload.outcome for d in decisions] == [DecisionOutcome.HELD, DecisionOutcome.ACCEPTED]
    assert decisions[-1].payload.lock is not None


async def test_a_pinyin_named_registration_of_a_protected_chinese_customer_is_caught(stack: Stack) -> None:
    protected = submission("dealer-hangzhou", who=customer("杭州永晨科技有限公司", phone="0571-86661234"))
    in_pinyin = submission(
        "dealer-hangzhou",
        who=CustomerIdentity(name="Hangzhou Yongchen Technology Co., Ltd.", phone="0571-86661234转802"),
    )
    await stack.publish(LEADS_SUBMITTED, envelope(protected))
    await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == protected.lead_id)
    await stack.publish(LEADS_SUBMITTED, envelope(in_pinyin))

    [rejected] = await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == in_pinyin.lead_id)
    assert rejected.payload.outcome is DecisionOutcome.REJECTED
    assert rejected.payload.reason_code == "duplicate"
    [verdict] = await stack.events(DEDUP_VERDICTS, lambda e: e.payload.lead_id == in_pinyin.lead_id)
    assert verdict.payload.outcome is DedupOutcome.DUPLICATE
    details = " ".join(r.detail for r in verdict.payload.explanation)
    assert "same name in pinyin" in details
    assert "same phone +8657186661234" in details


async def test_a_branch_of_a_protected_group_is_related_and_refused_where_the_rule_set_says_so(stack: Stack) -> None:
    group = submission("dealer-hangzhou", who=customer("杭州恒瑞建材有限公司", phone="0571-86771234"))
    branch = submission(
        "dealer-hangzhou",
        who=customer("杭州恒瑞建材有限公司萧山分公司", phone="0571-82880000", address="杭州市萧山区市心中路8号"),
    )
    await stack.publish(LEADS_SUBMITTED, envelope(group))
    await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == group.lead_id)
    await stack.publish(LEADS_SUBMITTED, envelope(branch))

    [verdict] = await stack.events(DEDUP_VERDICTS, lambda e: e.payload.lead_id == branch.lead_id)
    assert verdict.payload.outcome is DedupOutcome.RELATED
    assert "a branch of 杭州恒瑞建材有限公司" in verdict.payload.reason
    [rejected] = await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == branch.lead_id)
    assert rejected.payload.outcome is DecisionOutcome.REJECTED
    assert rejected.payload.reason_code == "related"
