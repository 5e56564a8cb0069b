"""The demand board page in a real browser, at a phone's size and a PC's: a dealer sees the shared account
another dealer holds a buying unit of, sees that a contact is being visited this week (not who went, not
the other's amount), and planning a visit to the same contact flags the clash."""

from __future__ import annotations

from uuid import UUID, uuid4

from playwright.async_api import Browser, expect

from referee_shared.auth import Role
from referee_shared.events.leads import LockChange
from referee_shared.topics import LEADS_LOCKS

from ..stack import Stack
from .conftest import PHONE, Watched
from .test_journeys import accepted_lead, shot, sign_in


async def shared_account(stack: Stack) -> tuple[str, str]:
    """A customer dealer-hangzhou registered, its second buying unit bound to dealer-shaoxing, and a plan and
    a visit of dealer-hangzhou on its board; returns the account key and its name."""
    name = f"杭州{uuid4().hex[:6]}建设集团有限公司"
    lead_id = await accepted_lead(stack, "dealer-hangzhou", name=name)
    [lock] = await stack.events(
        LEADS_LOCKS,
        lambda e: e.payload.lead_id == UUID(lead_id) and e.payload.change is LockChange.GRANTED,
        timeout=60,
    )
    account = str(lock.payload.customer_key).split("#")[0]
    async with stack.http("dedup", stack.token(Role.ADMIN, "channel-admin")) as admin:
        bound = await admin.put(f"/customers/{account}/slices/采购二部", json={"partner_id": "dealer-shaoxing"})
        assert bound.status_code == 200, bound.text
    token = stack.token(Role.PARTNER, "hangzhou", partner_id="dealer-hangzhou")
    async with stack.http("dedup", token) as hangzhou:
        plan = {
            "product_line": "tiles",
            "item": "办公楼地砖 8000 平",
            "estimated_amount": "876543",
            "source": "tender_notice",
        }
        assert (await hangzhou.post(f"/board/{account}/plans", json=plan)).status_code == 201
        visit = {"product_line": "tiles", "contact": "采购部 陈经理", "visit_on": _today(), "visited_by": "杭州 小李"}
        assert (await hangzhou.post(f"/board/{account}/visits", json=visit)).status_code == 201
    return account, name


def _today() -> str:
    from datetime import datetime

    from referee_dedup.domain.board import CHINA

    return datetime.now(CHINA).date().isoformat()


async def test_a_dealer_sees_the_shared_board_without_the_others_amount_and_a_clashing_visit_is_flagged(
    watched: Watched, console_url: str, stack: Stack
) -> None:
    page = watched.page
    _, name = await shared_account(stack)
    await sign_in(page, console_url, "shaoxing")
    await page.get_by_role("link", name="需求看板").click()
    await expect(page.get_by_role("heading", name="需求看板")).to_be_visible()
    await page.get_by_role("link", name=name).click()

    visit = page.locator(".card.visit", has_text="采购部 陈经理")
    await expect(visit).to_contain_text("本周")
    await expect(visit).to_contain_text("dealer-hangzhou")
    await expect(visit).not_to_contain_text("小李")  # who of the other dealer's staff went stays hidden
    plan = page.locator(".card.plan", has_text="办公楼地砖 8000 平")
    await expect(plan).to_contain_text("招标公告")
    await expect(page.locator("main")).not_to_contain_text("876,543")  # the other dealer's amount stays hidden

    await page.get_by_label("联系人").fill("采购部陈经理")
    await page.get_by_label("拜访人").fill("绍兴 小赵")
    await page.get_by_role("button", name="提交拜访计划").click()
    await expect(page.locator("p.problem[role=alert]")).to_contain_text("另一家伙伴在规则期限内也拜访此联系人")
    await expect(page.locator(".card.visit.clash")).to_have_count(2)
    await shot(page, "board")


async def test_a_dealer_holding_nothing_of_the_account_finds_no_board(
    browser: Browser, console_url: str, stack: Stack
) -> None:
    # Not ``watched``: the browser logs the 404 itself as a console error, which is what this test expects.
    account, name = await shared_account(stack)
    context = await browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = await context.new_page()
    try:
        await sign_in(page, console_url, "li")
        answer = await page.goto(f"{console_url}/board/{account}")
        assert answer is not None
        assert answer.status == 404
        await expect(page.locator("main")).not_to_contain_text(name)
        await page.goto(f"{console_url}/board")
        await expect(page.locator("main")).not_to_contain_text(name)
    finally:
        await context.close()
