"""The console in a real browser (Debian's chromium through Playwright) against the real stack.

The console runs under uvicorn on a free local port; it calls the stack's five services in-process.
"""

from __future__ import annotations

import asyncio
import importlib
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from aiosmtpd.controller import Controller
from playwright.async_api import Browser, Page, ViewportSize, async_playwright

from referee_console.app import create_app
from referee_console.settings import ConsoleSettings
from referee_settlement import api as settlement_api
from referee_settlement.app import build_reports
from referee_settlement.settings import SettlementSettings
from referee_shared.http import build_http_app

from ..arbitration_stack import CourtStack
from ..stack import Stack, infrastructure_problems, kafka_settings, new_prefix

pytestmark = pytest.mark.integration
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SERVICES = ("registration", "dedup", "qualification", "arbitration", "settlement")


class ServicesInProcess(httpx.AsyncBaseTransport):
    """Routes http://<service>/... to that running service's HTTP app."""

    def __init__(self, stack: Stack) -> None:
        self._apps: dict[str, httpx.ASGITransport] = {}
        for name in SERVICES:
            if name == "settlement":  # settlement builds its app from its reports, not from use cases
                runtime = stack.runtimes[name][0]
                settings = stack.settings(name)
                assert isinstance(settings, SettlementSettings)
                app = build_http_app(
                    runtime, [settlement_api.build_router(build_reports(runtime, settings))], title="s", description=""
                )
            else:
                app = importlib.import_module(f"referee_{name}.app").build_app(
                    stack.runtimes[name][0], stack.services[name][0]
                )
            self._apps[name] = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._apps[request.url.host].handle_async_request(request)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
async def stack() -> AsyncIterator[Stack]:
    problems = await infrastructure_problems()
    if problems:
        pytest.fail("console tests need the real infrastructure:\n  " + "\n  ".join(problems), pytrace=False)
    # Arbitration reads registration's and dedup's evidence over real ports, as in production.
    started = CourtStack(new_prefix("console"), dict.fromkeys(SERVICES, 1))
    await started.start()
    yield started
    await started.stop()


class MailSink:
    """A local SMTP server (aiosmtpd) that keeps every mail the console sends."""

    def __init__(self) -> None:
        self.mails: list[bytes] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        self.mails.append(envelope.content)
        return "250 OK"


@pytest.fixture(scope="session")
def mail_sink() -> Iterator[tuple[MailSink, int]]:
    sink, port = MailSink(), _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


@pytest.fixture(scope="session")
async def console_url(
    stack: Stack, tmp_path_factory: pytest.TempPathFactory, mail_sink: tuple[MailSink, int]
) -> AsyncIterator[str]:
    registration = stack.settings("registration")
    settings = ConsoleSettings(
        # The notification centre reads the stack's topics like any partner system, checking signatures.
        notifications_from_kafka=True,
        topic_prefix=registration.topic_prefix,
        kafka_bootstrap=registration.kafka_bootstrap,
        **kafka_settings("console"),
        message_trust=registration.message_trust,
        trust_dir=registration.trust_dir,
        smtp_host="127.0.0.1",
        smtp_port=mail_sink[1],
        webhook_allow_private=True,  # the test's receiver listens on 127.0.0.1
        outgoing_poll_seconds=0.2,
        live_poll_seconds=0.5,
        data_dir=tmp_path_factory.mktemp("console"),
        demo_users=True,
        auth_secret=stack.settings("registration").auth_secret,
        registration_url="http://registration",
        dedup_url="http://dedup",
        qualification_url="http://qualification",
        arbitration_url="http://arbitration",
        settlement_url="http://settlement",
    )
    port = _free_port()
    app = create_app(settings, transport=ServicesInProcess(stack))
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, access_log=False, timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(3000):  # uvicorn offers no event for "listening"; its flag is polled (slow on a busy machine)
        if server.started or task.done():
            break
        await asyncio.sleep(0.05)
    if not server.started:
        raise RuntimeError("the console did not start") from (task.exception() if task.done() else None)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield launched
        await launched.close()


PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1366, "height": 768}
SIZES = {"phone": PHONE, "desktop": DESKTOP}


@dataclass
class Watched:
    page: Page
    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)


@pytest.fixture(params=list(SIZES))
async def watched(request: pytest.FixtureRequest, browser: Browser) -> AsyncIterator[Watched]:
    """A fresh page at one size that records console errors and every request leaving 127.0.0.1."""
    context = await browser.new_context(viewport=SIZES[request.param], locale="zh-CN", timezone_id="Asia/Shanghai")
    page = await context.new_page()
    seen = Watched(page)
    page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.errors.append(str(e)))
    page.on("request", lambda r: None if urlsplit(r.url).hostname == "127.0.0.1" else seen.outside.append(r.url))
    yield seen
    await context.close()
    assert seen.errors == [], "pages logged errors"
    assert seen.outside == [], "requests left the machine"
