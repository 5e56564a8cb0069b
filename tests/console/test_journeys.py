"""Each role's main journey in a real browser, at a phone's size and a PC's, with screenshots kept."""

from __future__ import annotations

import asyncio
import random
import re
from uuid import uuid4

from playwright.async_api import Page, expect

from referee_shared.auth import Role

from ..builders import make_uscc
from ..stack import Stack
from .conftest import PHONE, SCREENSHOTS, Watched


async def sign_in(page: Page, console_url: str, username: str) -> None:
    await page.goto(f"{console_url}/login")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill("referee")
    await page.get_by_role("button", name="登录").click()


async def shot(page: Page, name: str) -> None:
    viewport = page.viewport_size or PHONE
    size = "phone" if viewport["width"] < 600 else "desktop"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}-{size}.png"), full_page=True)


async def test_partner_registers_on_the_phone_and_sees_the_decision_arrive(watched: Watched, console_url: str) -> None:
    page = watched.page
    customer = f"杭州{uuid4().hex[:6]}建材有限公司"
    await sign_in(page, console_url, "hangzhou")
    await expect(page.get_by_role("heading", name="我的商机")).to_be_visible()
    await page.get_by_role("link", name="+ 报备").click()
    await page.get_by_label("客户 *").fill(customer)
    await page.get_by_label("产品线 *").select_option("tiles")
    await page.get_by_label("预计金额（¥） *").fill("380000")
    await page.get_by_label("地址").fill("浙江省杭州市滨江区江南大道100号")
    await page.get_by_label("省份").fill("浙江省")
    await page.get_by_label("城市").fill("杭州市")
    await shot(page, "partner-register")
    await page.get_by_role("button", name="报备", exact=True).click()

    await expect(page.locator("#decision .badge")).to_have_text("已通过", timeout=60_000)
    await expect(page.locator("#decision .countdown")).to_contain_text("保护期剩余")

    await page.get_by_label("内容").fill("拜访采购部，确认需求")
    await page.get_by_role("button", name="记录").click()
    await expect(page.locator("p.done")).to_have_text("跟进已记录。")

    await page.get_by_role("link", name="我的商机").click()
    card = page.locator(".card.lead", has_text=customer)
    await expect(card).to_contain_text("已通过")
    await expect(card.locator(".countdown")).to_contain_text("天")
    await shot(page, "partner")


async def test_a_partner_cannot_open_a_staff_page_or_forge_its_session(watched: Watched, console_url: str) -> None:
    page = watched.page
    await sign_in(page, console_url, "hangzhou")
    answer = await page.goto(f"{console_url}/reviewer")
    assert answer is not None
    assert answer.status == 403
    await page.context.add_cookies([{"name": "referee_session", "value": "forged.value.sig", "url": console_url}])
    await page.goto(f"{console_url}/partner")
    assert page.url.startswith(f"{console_url}/login")
    watched.errors.clear()  # the 403 page load is logged by the browser as an error; it is what we asked for


async def test_reviewer_decides_an_extension_request_from_the_inbox(
    watched: Watched, console_url: str, stack: Stack
) -> None:
    page = watched.page
    lead_id = await accepted_lead(stack, "dealer-hangzhou")
    async with stack.http("registration", stack.token(Role.PARTNER, partner_id="dealer-hangzhou")) as partner:
        asked = await partner.post(f"/leads/{lead_id}/extension", json={"days": 30, "reason": "医院招标推迟到下季度"})
        assert asked.status_code == 202, asked.text
    await sign_in(page, console_url, "reviewer")
    await expect(page.get_by_role("heading", name=re.compile("待办"))).to_be_visible()
    task = page.locator(".card.task", has_text="延期申请").first
    for _ in range(60):
        if await task.count():
            break
        await page.wait_for_timeout(500)
        await page.reload()
    await shot(page, "reviewer")
    await task.locator("a").click()
    await expect(page.locator("#reason-rule")).to_contain_text("至少")  # the rule is shown before typing
    await page.get_by_label("理由").fill("招标推迟有公告为证，同意延期")
    await page.locator(".choices button").first.click()
    await expect(page.locator("p.done")).to_have_text("决定已提交。")


async def test_finance_arbiter_and_manager_pages_open(watched: Watched, console_url: str) -> None:
    page = watched.page
    for username, heading, name in (
        ("finance", "待审批结算单", "finance"),
        ("arbiter", "争议", "arbiter"),
        ("manager", "近 30 天漏斗", "manager"),
    ):
        await page.context.clear_cookies()
        await sign_in(page, console_url, username)
        await expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        await shot(page, name)
    await expect(page.locator("svg.chart")).to_be_visible()


async def test_reviewer_reads_the_case_file_and_rules(watched: Watched, console_url: str, stack: Stack) -> None:
    page = watched.page
    code = make_uscc(random.randrange(1, 10**8), "330106")
    name = f"杭州{uuid4().hex[:6]}建材市场有限公司"
    await accepted_lead(stack, "dealer-hangzhou", name=name, uscc=code)
    refused = await decided_lead(stack, "dealer-shaoxing", name=name, uscc=code)
    claim = {"respondent_ids": ["dealer-hangzhou"], "lead_id": refused, "claim": "我方一月已现场勘察该项目。"}
    async with stack.http("arbitration", stack.token(Role.PARTNER, partner_id="dealer-shaoxing")) as claimant:
        opened = await claimant.post("/disputes", json=claim)
        assert opened.status_code == 201, opened.text
        dispute_id = opened.json()["summary"]["dispute_id"]
    async with stack.http("registration", stack.token(Role.REVIEWER, "reviewer", regions=["浙江"])) as inbox:
        for _ in range(300):  # the review opens once arbitration's workflow has gathered the evidence
            tasks = (await inbox.get("/inbox", params={"kind": "dispute_review"})).json()
            if any(t["details"].get("dispute_id") == dispute_id for t in tasks):
                break
            await asyncio.sleep(0.2)
    await sign_in(page, console_url, "reviewer")
    await page.goto(f"{console_url}/arbiter/disputes/{dispute_id}")
    await expect(page.get_by_role("heading", name="案卷")).to_be_visible()
    await expect(page.get_by_role("heading", name="证据链")).to_be_visible()
    await expect(page.locator("#ruling-rule")).to_contain_text("至少 20 个字")
    await shot(page, "arbiter-case")
    await page.get_by_label("理由").fill("太短")
    await page.locator("textarea[name=reason]").evaluate("t => t.removeAttribute('minlength')")
    await page.get_by_role("button", name="裁决", exact=True).click()
    await expect(page.locator("p.problem")).to_contain_text("至少需要 20 个字")  # refused by the console
    watched.errors.clear()  # the browser logs the refusal's 422 as an error; it is the answer we asked for
    await page.get_by_label("维持").check()
    await page.get_by_label("理由").fill("杭州经销商的报备与两次跟进记录均早于申请方，证据链完整，维持原保护。")
    await page.get_by_role("button", name="裁决", exact=True).click()
    await expect(page.locator("p.done")).to_have_text("裁决已提交。")


async def decided_lead(stack: Stack, partner_id: str, **customer: str) -> str:
    """A lead registered through the API, whatever the referee decides."""
    return await accepted_lead(stack, partner_id, **customer)


async def accepted_lead(stack: Stack, partner_id: str, **customer: str) -> str:
    """A lead registered through the API and accepted by the referee (the decision is awaited on Kafka)."""
    from referee_shared.topics import LEADS_DECISIONS

    lead_id = uuid4()
    submission = {
        "lead_id": str(lead_id),
        "partner_id": partner_id,
        "channel": "dealer",
        "customer": {
            "name": f"杭州{uuid4().hex[:6]}装饰工程有限公司",
            "province": "浙江省",
            "city": "杭州市",
            **customer,
        },
        "product_line": "tiles",
        "estimated_amount": "250000",
    }
    async with stack.http("registration", stack.token(Role.PARTNER, partner_id=partner_id)) as partner:
        answer = await partner.post("/leads", json=submission)
        assert answer.status_code == 202, answer.text
    await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == lead_id, timeout=60)
    return str(lead_id)
