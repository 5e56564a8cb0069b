"""The notification centre in the browser, fed by the real stack's events through Kafka: the decision
arrives live on the partner's page, by mail and as a signed webhook; a new task reaches the region's
reviewer; another partner hears nothing of it."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from playwright.async_api import expect

from referee_console.notifications import webhooks
from referee_shared.auth import Role

from ..stack import Stack
from .conftest import MailSink, Watched
from .test_journeys import accepted_lead, shot, sign_in


class Receiver(BaseHTTPRequestHandler):
    """A partner system's endpoint: keeps every call."""

    calls: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.calls.append((dict(self.headers.items()), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def receiver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/referee"
    server.shutdown()


async def _mail_to(sink: MailSink, address: str, lead_id: str, timeout: float = 30) -> EmailMessage:
    ends = time.monotonic() + timeout
    while time.monotonic() < ends:
        for raw in sink.mails:
            mail = message_from_bytes(raw, policy=policy.default)
            assert isinstance(mail, EmailMessage)
            if mail["To"] == address and lead_id in str(mail.get_content()):
                return mail
        await _pause()
    raise AssertionError(f"no mail to {address} about {lead_id}")


async def _pause() -> None:
    await asyncio.sleep(0.2)


async def test_the_partner_sees_its_decision_arrive_live_and_gets_it_by_mail_and_signed_webhook(
    watched: Watched, console_url: str, stack: Stack, mail_sink: tuple[MailSink, int], receiver: str
) -> None:
    page = watched.page
    await sign_in(page, console_url, "hangzhou")
    await page.get_by_role("link", name="通知").click()
    await expect(page.get_by_role("heading", name="通知", exact=True)).to_be_visible()
    await page.get_by_label("邮箱地址").fill("wang@dealer-hangzhou.example")
    await page.get_by_label("通过邮件接收我的通知").check()
    await page.get_by_role("button", name="保存").click()
    await expect(page.locator("p.done")).to_have_text("已保存。")

    await page.get_by_role("link", name="Webhook 推送").click()
    await page.get_by_label("地址（https://…）").fill(receiver)
    await page.get_by_role("button", name="添加", exact=True).click()
    secret = (await page.locator("code.secret").text_content() or "").strip()
    assert secret.startswith("whsec_")

    await page.get_by_role("link", name="通知").click()
    await expect(page.locator("#feed")).to_be_attached()
    lead_id = await accepted_lead(stack, "dealer-hangzhou")  # registered by the partner's own system

    item = page.locator(f'#feed a[href="/partner/leads/{lead_id}"]')
    await expect(item).to_contain_text("报备已通过，保护期至", timeout=30_000)  # no reload: it came live
    await expect(page.locator(".bell .count")).not_to_have_text("")
    await expect(page.locator("#toasts .toast").first).to_be_visible()
    await shot(page, "notifications")

    mail = await _mail_to(mail_sink[0], "wang@dealer-hangzhou.example", lead_id)
    assert str(mail["Subject"]).startswith("报备已通过")

    def signed_calls() -> list[bytes]:  # this hook's secret; an earlier run's hook gets its own call
        return [b for h, b in Receiver.calls if lead_id.encode() in b and _signed(secret, h, b)]

    ends = time.monotonic() + 30
    while time.monotonic() < ends and not signed_calls():
        await _pause()
    [body] = signed_calls()
    assert b'"type":"lead_accepted"' in body

    # Another partner's feed knows nothing of it.
    await page.context.clear_cookies()
    await sign_in(page, console_url, "shaoxing")
    await page.goto(f"{console_url}/notifications")
    await expect(page.get_by_role("heading", name="通知", exact=True)).to_be_visible()
    assert await page.locator(f'a[href="/partner/leads/{lead_id}"]').count() == 0


def _signed(secret: str, headers: dict[str, str], body: bytes) -> bool:
    return webhooks.verify(secret, headers, body, now=int(time.time()))


async def test_a_new_task_reaches_the_regions_reviewer_live(watched: Watched, console_url: str, stack: Stack) -> None:
    page = watched.page
    lead_id = await accepted_lead(stack, "dealer-hangzhou")
    await sign_in(page, console_url, "reviewer")
    await page.goto(f"{console_url}/notifications")
    await expect(page.get_by_role("heading", name="通知", exact=True)).to_be_visible()
    async with stack.http("registration", stack.token(Role.PARTNER, partner_id="dealer-hangzhou")) as partner:
        asked = await partner.post(f"/leads/{lead_id}/extension", json={"days": 30, "reason": "客户预算审批延后"})
        assert asked.status_code == 202, asked.text
    await expect(page.locator("#feed .note").first).to_contain_text(re.compile("新待办：延期申请"), timeout=30_000)
    await page.locator("#feed .note a").first.click()
    await expect(page.locator("#reason-rule")).to_be_visible()  # the notice leads to the task itself
