"""The partner's own pages in the browser against the real stack: asking for more protection time, following
a dispute without ever reading who the other party is, and its statement lines with their payment."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from uuid import uuid4

from playwright.async_api import expect

from referee_shared.auth import Role
from referee_shared.events.common import Channel
from referee_shared.events.settlements import PaymentStatus, SettlementPayment, SettlementStatement
from referee_shared.topics import DEALS_CLOSED, SETTLEMENTS_PAYMENTS, SETTLEMENTS_STATEMENTS

from ..builders import deal_closed, envelope, make_uscc
from ..stack import Stack
from .conftest import Watched
from .test_journeys import accepted_lead, shot, sign_in


async def test_the_partner_asks_for_more_protection_time_within_the_rule_shown_first(
    watched: Watched, console_url: str, stack: Stack
) -> None:
    page = watched.page
    lead_id = await accepted_lead(stack, "dealer-hangzhou")
    await sign_in(page, console_url, "hangzhou")
    await page.goto(f"{console_url}/partner/leads/{lead_id}")
    await expect(page.locator("#extension-rule")).to_contain_text("每次最多延长 30 天")
    await page.get_by_label("需要延期的原因").fill("客户招标推迟到下季度")
    await page.get_by_role("button", name="申请延期").click()
    await expect(page.locator("#extension p.done")).to_contain_text("已申请延期")


async def test_a_claimant_follows_its_dispute_and_never_reads_who_holds_the_customer(
    watched: Watched, console_url: str, stack: Stack
) -> None:
    page = watched.page
    code = make_uscc(random.randrange(1, 10**8), "330106")
    name = f"杭州{uuid4().hex[:6]}建材城有限公司"
    await accepted_lead(stack, "dealer-hangzhou", name=name, uscc=code)
    refused = await accepted_lead(stack, "dealer-shaoxing", name=name, uscc=code)
    claim = {"respondent_ids": ["dealer-hangzhou"], "lead_id": refused, "claim": "我方去年已为该客户做过方案。"}
    async with stack.http("arbitration", stack.token(Role.PARTNER, partner_id="dealer-shaoxing")) as claimant:
        opened = await claimant.post("/disputes", json=claim)
        assert opened.status_code == 201, opened.text
        dispute_id = opened.json()["summary"]["dispute_id"]

    await sign_in(page, console_url, "shaoxing")
    await page.get_by_role("link", name="我的争议").click()
    await page.locator(f'a[href="/partner/disputes/{dispute_id}"]').click()
    await expect(page.get_by_role("heading", name="争议 您是申请方")).to_be_visible()
    await expect(page.locator("p.claim")).to_have_text(claim["claim"])
    await page.get_by_label("陈述", exact=True).fill("附现场勘察照片与报价单。")
    await page.get_by_role("button", name="提交陈述").click()
    await expect(page.locator("p.done")).to_have_text("已添加陈述。")
    assert "dealer-hangzhou" not in await page.content()
    await shot(page, "partner-dispute")

    await page.context.clear_cookies()
    await sign_in(page, console_url, "hangzhou")
    await page.goto(f"{console_url}/partner/disputes/{dispute_id}")
    await expect(page.get_by_role("heading", name="争议 您是被申请方")).to_be_visible()
    await expect(page.locator("blockquote.statement").first).to_contain_text("对方")
    assert "dealer-shaoxing" not in await page.content()


async def test_the_partner_reads_its_statement_lines_and_sees_the_payment_arrive(
    watched: Watched, console_url: str, stack: Stack
) -> None:
    page = watched.page
    deal_id = f"IE-{uuid4().hex[:8]}"
    # Below the approval threshold: the statement is issued without finance's approval.
    deal = deal_closed(deal_id, "300000.00", owner="direct-east", contributors=(("agent-wang", Channel.AGENT, "0.2"),))
    await stack.publish(DEALS_CLOSED, envelope(deal, producer="erp"), deal_id)
    [issued] = await stack.events(
        SETTLEMENTS_STATEMENTS,
        lambda e: isinstance(e.payload, SettlementStatement) and e.payload.deal_id == deal_id,
        timeout=60,
    )
    statement = issued.payload
    assert isinstance(statement, SettlementStatement)
    [line] = [x for x in statement.lines if x.party_id == "agent-wang"]

    await sign_in(page, console_url, "wang")
    await page.get_by_role("link", name="我的结算").click()
    row = page.locator("tr.line", has_text=deal_id)
    for _ in range(60):  # the console hears the statement on Kafka
        if await row.count():
            break
        await asyncio.sleep(0.5)
        await page.reload()
    await expect(row).to_contain_text("待付款")
    report = SettlementPayment(
        payment_id=f"pay-{uuid4().hex[:10]}",
        statement_id=statement.statement_id,
        line_id=line.line_id,
        status=PaymentStatus.PAID,
        amount=line.amount,
        reference="BANK-0001",
        reported_at=datetime.now(UTC),
    )
    await stack.publish(SETTLEMENTS_PAYMENTS, envelope(report, producer="finance"), str(statement.statement_id))
    await expect(page.locator("#toasts .toast").first).to_contain_text("已付款", timeout=30_000)  # live
    await page.reload()
    await expect(row).to_contain_text("已支付")
    await expect(row).to_contain_text("BANK-0001")
    await shot(page, "partner-statements")
    # Another partner of the same deal never sees this line.
    await page.context.clear_cookies()
    await sign_in(page, console_url, "east")
    await page.goto(f"{console_url}/partner/statements")
    assert await page.locator("tr.line", has_text="BANK-0001").count() == 0


async def test_a_hint_before_submitting_says_until_when_a_customer_is_protected_never_by_whom(
    watched: Watched, console_url: str, stack: Stack
) -> None:
    page = watched.page
    code = make_uscc(random.randrange(1, 10**8), "330106")
    name = f"杭州{uuid4().hex[:6]}陶瓷销售有限公司"
    await accepted_lead(stack, "dealer-hangzhou", name=name, uscc=code)

    async def hint_for(username: str, expected: str) -> None:
        await page.context.clear_cookies()
        await sign_in(page, console_url, username)
        await page.goto(f"{console_url}/partner/new")
        await page.get_by_label("省份").fill("浙江省")
        for _ in range(60):  # the console hears the lock on Kafka just after the decision
            await page.get_by_label("统一社会信用代码").fill(code)
            await page.get_by_label("客户 *").fill(name)
            await page.get_by_label("客户 *").blur()
            await page.wait_for_timeout(500)
            if expected in (await page.locator("#hint").text_content() or ""):
                break
        await expect(page.locator("#hint")).to_contain_text(expected)

    await hint_for("shaoxing", "该客户已受保护，保护期至")
    await shot(page, "partner-hint")
    content = await page.content()
    assert "dealer-hangzhou" not in content
    assert "杭州经销商" not in content
    await hint_for("hangzhou", "您已保护该客户")
    await page.get_by_label("统一社会信用代码").fill("")
    await page.get_by_label("客户 *").fill(f"宁波{uuid4().hex[:6]}全新客户有限公司")
    await page.get_by_label("客户 *").blur()
    await expect(page.locator("#hint")).to_contain_text("目前没有匹配的受保护客户")
