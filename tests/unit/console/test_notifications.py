"""The notification centre without Kafka: who hears what, the sentences, signed webhooks, mail and the feed."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from uuid import uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from referee_console.app import create_app
from referee_console.i18n import load_catalogues
from referee_console.notifications import routing, webhooks
from referee_console.notifications.audience import reaches
from referee_console.notifications.dispatcher import Dispatcher
from referee_console.notifications.store import NotificationStore
from referee_console.notifications.texts import sentence
from referee_console.roles import ConsoleRole
from referee_console.settings import ConsoleSettings
from referee_console.users import Base, User
from referee_shared.events.disputes import DisputeProgressed, DisputeStep, RulingOutcome
from referee_shared.events.leads import DecisionOutcome, LeadDecision, LockChange, LockChanged, LockSummary
from referee_shared.events.settlements import SettlementPayment, SettlementStatement, StatementKind, StatementLine
from referee_shared.events.tasks import TaskKind, TaskOpened

NOW = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")
HANGZHOU = User("hangzhou", "杭州", ConsoleRole.PARTNER, "dealer-hangzhou", "dealer", ())
SHAOXING = User("shaoxing", "绍兴", ConsoleRole.PARTNER, "dealer-shaoxing", "dealer", ())
ZHEJIANG_REVIEWER = User("reviewer", "审核", ConsoleRole.REVIEWER, None, None, ("浙江",))
JIANGSU_REVIEWER = User("js", "审核", ConsoleRole.REVIEWER, None, None, ("江苏",))
FINANCE = User("finance", "财务", ConsoleRole.FINANCE, None, None, ())
ADMIN = User("admin", "管理员", ConsoleRole.ADMIN, None, None, ())


def decision(partner: str = "dealer-hangzhou", outcome: DecisionOutcome = DecisionOutcome.ACCEPTED) -> LeadDecision:
    return LeadDecision(
        lead_id=uuid4(),
        partner_id=partner,
        outcome=outcome,
        reason_code="ok" if outcome is DecisionOutcome.ACCEPTED else "duplicate",
        reason="",
        rule_set="building-materials",
        rule_version=1,
        decided_at=NOW,
        lock=LockSummary(lock_id=uuid4(), expires_at=NOW + timedelta(days=90))
        if outcome is DecisionOutcome.ACCEPTED
        else None,
    )


def task(region: str | None, role: str = "reviewer") -> TaskOpened:
    return TaskOpened(
        task_id=f"ext-{uuid4()}",
        kind=TaskKind.LOCK_EXTENSION,
        title="Extension request for lead 42",
        role=role,
        workflow_id="wf",
        update_name="decide",
        choices=["grant", "refuse"],
        due_at=NOW + timedelta(days=2),
        region=region,
        opened_at=NOW,
    )


# -- who hears what ---------------------------------------------------------------------------------


def test_a_decision_reaches_only_the_registering_partners_users() -> None:
    [notice] = routing.lead_decided(decision())
    assert reaches(notice.audience, HANGZHOU)
    assert not any(reaches(notice.audience, u) for u in (SHAOXING, ZHEJIANG_REVIEWER, FINANCE, ADMIN))
    assert notice.kind == "lead_accepted"
    assert notice.params["until"].startswith("2027-03-03")


def test_a_new_task_reaches_the_reviewers_of_its_region_only() -> None:
    [notice] = routing.task_opened(task("浙江"))
    assert reaches(notice.audience, ZHEJIANG_REVIEWER)
    assert reaches(notice.audience, ADMIN)
    assert not reaches(notice.audience, JIANGSU_REVIEWER)
    assert not reaches(notice.audience, HANGZHOU)
    assert not reaches(notice.audience, FINANCE)
    [anywhere] = routing.task_opened(task(None))
    assert reaches(anywhere.audience, JIANGSU_REVIEWER)


def test_a_lock_taken_away_by_a_ruling_does_not_name_the_new_holder() -> None:
    change = LockChanged(
        lock_id=uuid4(),
        lead_id=uuid4(),
        partner_id="dealer-shaoxing",
        customer_key="c1",
        change=LockChange.TRANSFERRED,
        expires_at=NOW + timedelta(days=90),
        at=NOW,
        previous_partner_id="dealer-hangzhou",
        previous_lead_id=uuid4(),
        rule_set="building-materials",
        rule_version=1,
    )
    gained, lost = routing.lock_changed(change)
    assert reaches(gained.audience, SHAOXING)
    assert reaches(lost.audience, HANGZHOU)
    assert "dealer-shaoxing" not in json.dumps(lost.params) + str(lost.link)


def test_dispute_notices_go_to_every_party_and_never_name_the_others() -> None:
    step = DisputeProgressed(
        dispute_id=uuid4(),
        step=DisputeStep.RULED,
        at=NOW,
        parties=["dealer-shaoxing", "dealer-hangzhou"],
        actor="arbiter",
        summary="dealer-hangzhou keeps the customer",
        outcome=RulingOutcome.UPHELD,
    )
    notices = routing.dispute_progressed(step)
    assert [n.audience.partner_id for n in notices] == ["dealer-shaoxing", "dealer-hangzhou"]
    for notice in notices:
        assert "dealer-" not in json.dumps(notice.params)
        assert notice.params["outcome"] == "upheld"


def test_each_party_hears_only_its_own_share_of_a_statement_and_its_own_payment() -> None:
    line_a, line_b = uuid4(), uuid4()
    statement = SettlementStatement(
        statement_id=uuid4(),
        deal_id="D-1",
        kind=StatementKind.ORIGINAL,
        currency="CNY",
        distributable_amount=Decimal("1000.00"),
        lines=[
            StatementLine(line_id=line_a, party_id="agent-li", channel="agent", amount=Decimal("300.00"), rule="r"),
            StatementLine(line_id=line_b, party_id="direct-east", channel="direct", amount=Decimal("700.00"), rule="r"),
        ],
        rule_set="industrial",
        rule_version=1,
        issued_at=NOW,
    )
    notices = {n.audience.partner_id: n.params["amount"] for n in routing.statement_issued(statement)}
    assert notices == {"agent-li": "300.00", "direct-east": "700.00"}
    paid = SettlementPayment(
        payment_id="P1",
        statement_id=statement.statement_id,
        line_id=line_a,
        status="paid",
        amount="300.00",
        reported_at=NOW,
    )
    [notice] = routing.payment_reported(paid, "agent-li")
    assert notice.kind == "payment_paid"
    assert reaches(notice.audience, User("li", "李", ConsoleRole.PARTNER, "agent-li", "agent", ()))


# -- sentences --------------------------------------------------------------------------------------


def test_a_notice_reads_in_chinese_with_shanghai_time_and_yuan_and_in_english_by_choice() -> None:
    catalogues = load_catalogues()
    [accepted] = routing.lead_decided(decision())
    zh = sentence(accepted.kind, accepted.params, catalogues["zh_CN"].gettext, SHANGHAI)
    assert zh == "报备已通过，保护期至 2027-03-03 12:00"
    en = sentence(accepted.kind, accepted.params, catalogues["en"].gettext, SHANGHAI, "en")
    assert en == "Registration accepted; protected until 2027-03-03 12:00"
    [rejected] = routing.lead_decided(decision(outcome=DecisionOutcome.REJECTED))
    assert (
        sentence(rejected.kind, rejected.params, catalogues["zh_CN"].gettext, SHANGHAI) == "报备未通过：该客户已受保护"
    )
    [opened] = routing.task_opened(task("浙江"))
    assert sentence(opened.kind, opened.params, catalogues["zh_CN"].gettext, SHANGHAI).startswith("新待办：延期申请")
    paid = sentence("payment_paid", {"amount": "1200000"}, catalogues["zh_CN"].gettext, SHANGHAI)
    assert paid == "已付款：¥1,200,000.00"


# -- webhooks ---------------------------------------------------------------------------------------


def test_a_webhook_signature_verifies_and_a_changed_body_or_an_old_timestamp_does_not() -> None:
    secret = webhooks.new_secret()
    body = webhooks.body({"type": "lead_accepted", "text": "报备已通过"})
    headers = webhooks.signed_headers(secret, "7", 1_800_000_000, body)
    assert webhooks.verify(secret, headers, body, now=1_800_000_010)
    assert not webhooks.verify(secret, headers, body.replace("已通过".encode(), "未通过".encode()), now=1_800_000_010)
    assert not webhooks.verify("whsec_other", headers, body, now=1_800_000_010)
    assert not webhooks.verify(secret, headers, body, now=1_800_000_000 + 3600)  # a replay an hour later
    assert not webhooks.verify(secret, {}, body, now=1_800_000_000)


def test_a_partner_cannot_aim_webhooks_at_the_consoles_own_network() -> None:
    for url in (
        "http://127.0.0.1:8001/admin",
        "http://10.0.0.5/x",
        "http://localhost/x",
        "http://[::1]/",
        "http://169.254.169.254/",
    ):
        assert webhooks.refusal(url, allow_private=False), url
    assert webhooks.refusal("ftp://erp.example.com/", allow_private=False)
    assert webhooks.refusal("https://user:pw@erp.example.com/", allow_private=False)
    assert webhooks.refusal("https://erp.example.com/referee", allow_private=False) is None
    assert webhooks.refusal("http://127.0.0.1:9000/hook", allow_private=True) is None


# -- store and dispatcher: a real SMTP sink and a real HTTP receiver ---------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Sink:
    def __init__(self) -> None:
        self.mails: list[bytes] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        self.mails.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp_sink() -> Iterator[tuple[Sink, int]]:
    sink, port = Sink(), _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


class Receiver(BaseHTTPRequestHandler):
    calls: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    fail_first: ClassVar[int] = 0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.calls.append((dict(self.headers.items()), body))
        failing = len(Receiver.calls) <= Receiver.fail_first
        self.send_response(500 if failing else 204)
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.calls, Receiver.fail_first = [], 2
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


async def test_a_partner_gets_its_notice_by_mail_and_by_a_signed_webhook_retried_until_it_answers(
    tmp_path: Path, smtp_sink: tuple[Sink, int], receiver: str
) -> None:
    sink, port = smtp_sink
    settings = ConsoleSettings(
        data_dir=tmp_path, smtp_host="127.0.0.1", smtp_port=port, outgoing_backoff_seconds=0.01, outgoing_max_attempts=5
    )
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'n.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    store = NotificationStore(async_sessionmaker(engine, expire_on_commit=False))
    await store.set_mail("hangzhou", "wang@dealer-hangzhou.example", True)
    await store.set_mail("shaoxing", "chen@dealer-shaoxing.example", True)
    from referee_console.notifications.store import WebhookRecord

    secret = webhooks.new_secret()
    await store.add_webhook(
        WebhookRecord(
            webhook_id="h1",
            partner_id="dealer-hangzhou",
            url=receiver,
            secret=secret,
            created_by="hangzhou",
            created_at=NOW,
        )
    )
    await store.add_webhook(
        WebhookRecord(
            webhook_id="h2",
            partner_id="dealer-shaoxing",
            url=receiver,
            secret="x",
            created_by="shaoxing",
            created_at=NOW,
        )
    )
    mailboxes = [(HANGZHOU, "wang@dealer-hangzhou.example"), (SHAOXING, "chen@dealer-shaoxing.example")]

    drafts = routing.lead_decided(decision())
    assert len(await store.record("event-1", drafts, NOW, mailboxes)) == 1
    assert await store.record("event-1", drafts, NOW, mailboxes) == []  # redelivered: nothing new, nothing owed

    catalogue = load_catalogues()["zh_CN"]
    speak = lambda n: sentence(n.kind, n.params, catalogue.gettext, SHANGHAI)  # noqa: E731
    clock = [NOW]
    async with httpx.AsyncClient() as client:
        dispatcher = Dispatcher(store, settings, speak, client, clock=lambda: clock[0])
        for _ in range(4):
            await dispatcher.send_due()
            clock[0] += timedelta(seconds=1)
            await asyncio.sleep(0)

    assert len(sink.mails) == 1
    mail = message_from_bytes(sink.mails[0])
    assert mail["To"] == "wang@dealer-hangzhou.example"
    assert str(make_header(decode_header(mail["Subject"]))).startswith("报备已通过")

    assert len(Receiver.calls) == 3  # failed twice, then delivered; never to the other partner's hook
    first, last = Receiver.calls[0], Receiver.calls[-1]
    assert first[0][webhooks.DELIVERY] == last[0][webhooks.DELIVERY]
    headers, body = last
    assert webhooks.verify(secret, headers, body, now=int(clock[0].timestamp()))
    payload = json.loads(body)
    assert payload["type"] == "lead_accepted"
    assert payload["partner_id"] == "dealer-hangzhou"
    assert payload["text"].startswith("报备已通过")
    [delivery] = await store.deliveries("h1")
    assert delivery.status == "sent"
    assert delivery.attempts == 3
    await engine.dispose()


async def test_a_webhook_that_never_answers_is_given_up_after_the_last_attempt(tmp_path: Path, receiver: str) -> None:
    Receiver.fail_first = 100
    settings = ConsoleSettings(data_dir=tmp_path, outgoing_backoff_seconds=0.01, outgoing_max_attempts=3)
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'n.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    store = NotificationStore(async_sessionmaker(engine, expire_on_commit=False))
    from referee_console.notifications.store import WebhookRecord

    await store.add_webhook(
        WebhookRecord(
            webhook_id="h1", partner_id="dealer-hangzhou", url=receiver, secret="s", created_by="x", created_at=NOW
        )
    )
    await store.record("e", routing.lead_decided(decision()), NOW, [])
    clock = [NOW]
    async with httpx.AsyncClient() as client:
        dispatcher = Dispatcher(store, settings, lambda n: n.kind, client, clock=lambda: clock[0])
        for _ in range(6):
            await dispatcher.send_due()
            clock[0] += timedelta(minutes=1)
    assert len(Receiver.calls) == 3
    [delivery] = await store.deliveries("h1")
    assert delivery.status == "failed"
    assert "HTTP 500" in delivery.last_error
    await engine.dispose()


# -- the pages ----------------------------------------------------------------------------------------


def _signed_in(client: TestClient, username: str) -> None:
    answer = client.post("/login", data={"username": username, "password": "referee"}, follow_redirects=False)
    assert answer.status_code == 303


def test_the_feed_shows_a_partner_its_own_notices_only_and_counts_the_unread(tmp_path: Path) -> None:
    app = create_app(ConsoleSettings(data_dir=tmp_path, demo_users=True, live_stream_seconds=0.5))
    with TestClient(app) as client:
        store = app.state.notifications.store
        mine, theirs = (
            routing.lead_decided(decision("dealer-hangzhou")),
            routing.lead_decided(decision("dealer-shaoxing")),
        )
        client.portal.call(store.record, "e1", mine, NOW, [])  # type: ignore[union-attr]
        client.portal.call(store.record, "e2", theirs, NOW, [])  # type: ignore[union-attr]
        _signed_in(client, "hangzhou")
        assert client.get("/notifications/count").text == "1"
        page = client.get("/notifications")
        assert page.text.count("报备已通过") == 1
        assert client.get("/notifications/count").text == ""  # read once the feed was opened
        with client.stream("GET", "/notifications/stream", headers={"Last-Event-ID": "0"}) as stream:
            text = "".join(stream.iter_text())
        assert "event: notification" in text
        assert "报备已通过" in text
        assert text.count("event: notification") == 1


def test_a_partner_may_not_add_a_webhook_into_the_private_network_and_staff_have_no_webhooks(tmp_path: Path) -> None:
    with TestClient(create_app(ConsoleSettings(data_dir=tmp_path, demo_users=True))) as client:
        _signed_in(client, "hangzhou")
        refused = client.post("/notifications/webhooks", data={"url": "http://127.0.0.1:8001/inbox"})
        assert refused.status_code == 422
        assert "private" in refused.text
        added = client.post("/notifications/webhooks", data={"url": "https://erp.example.com/referee"})
        assert "whsec_" in added.text
        _signed_in(client, "reviewer")
        assert client.get("/notifications/webhooks").status_code == 403


def test_service_task_titles_read_in_chinese_in_the_chinese_inbox_and_as_written_in_english() -> None:
    from referee_console.task_titles import task_title

    catalogue = load_catalogues()["zh_CN"]

    def translate(message: str, **values: Any) -> str:
        text = catalogue.gettext(message)
        return text % values if values else text

    extension = {"kind": "lock_extension", "title": "Extend the protection of X for dealer-hangzhou by 30 days"}
    assert task_title({**extension, "details": {"days": 30}}, translate, "zh_CN") == "延期申请：延长 30 天"
    assert task_title({**extension, "details": {"days": 30}}, translate, "en") == extension["title"]
    assert task_title(
        {"kind": "dispute_review", "level": 2, "title": "HQ arbitration: a vs b"}, translate, "zh_CN"
    ) == ("争议总部仲裁")
    assert task_title({"kind": "duplicate_review", "title": "Same customer?"}, translate, "zh_CN") == "疑似重复"
