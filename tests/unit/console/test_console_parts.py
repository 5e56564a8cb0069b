"""The console's pieces without services: money and time, sessions, catalogues, exports, sign-in, docs offline."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.messages.pofile import read_po
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from referee_console.app import create_app
from referee_console.exports import csv_bytes, xlsx_bytes
from referee_console.formatting import local_time, money, remaining
from referee_console.i18n import LOCALES_DIR, choose_language
from referee_console.pages.arbiter import _shares
from referee_console.pages.staff import by_due_time
from referee_console.sessions import SessionSigner
from referee_console.settings import ConsoleSettings
from referee_shared.api_docs import serve_api_docs

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_amounts_read_as_yuan_with_thousands_and_two_places() -> None:
    assert money(Decimal("1200000")) == "¥1,200,000.00"
    assert money("380000.5", locale="en") == "¥380,000.50"


def test_times_are_shown_in_shanghai() -> None:
    assert local_time("2026-12-03T12:19:00+00:00", SHANGHAI) == "2026-12-03 20:19"
    assert remaining(datetime(2026, 12, 5, 13, 0, tzinfo=UTC), datetime(2026, 12, 3, 12, 0, tzinfo=UTC)) == (2, 1)
    assert remaining(datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 3, tzinfo=UTC)) is None


def test_a_forged_or_expired_session_cookie_names_nobody() -> None:
    signer = SessionSigner("secret", max_age_seconds=3600)
    cookie = signer.sign("hangzhou")
    assert signer.username(cookie) == "hangzhou"
    assert signer.username(cookie[:-2] + "xx") is None
    assert SessionSigner("other-secret", 3600).username(cookie) is None
    assert SessionSigner("secret", max_age_seconds=-1).username(cookie) is None


def test_every_message_has_a_chinese_translation_and_keeps_its_placeholders() -> None:
    with (LOCALES_DIR / "zh_CN" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalogue = read_po(source)
    messages = [m for m in catalogue if m.id]
    assert len(messages) > 100
    for message in messages:
        assert message.string, f"no Chinese for {message.id!r}"
        assert set(re.findall(r"%\(\w+\)s", str(message.id))) == set(re.findall(r"%\(\w+\)s", str(message.string)))


def test_chinese_unless_the_reader_chose_or_asks_only_for_english() -> None:
    assert choose_language(None, None, "zh_CN") == "zh_CN"
    assert choose_language(None, "en-US,en;q=0.9", "zh_CN") == "en"
    assert choose_language(None, "en-US,zh-CN;q=0.8", "zh_CN") == "zh_CN"
    assert choose_language("en", "zh-CN", "zh_CN") == "en"
    assert choose_language("fr", None, "zh_CN") == "zh_CN"


def test_csv_export_starts_with_a_bom_and_xlsx_keeps_chinese_and_numbers() -> None:
    data = csv_bytes(["客户", "amount"], [["杭州建材", Decimal("1200.50")]])
    assert data.startswith(b"\xef\xbb\xbf")
    assert "杭州建材,1200.50" in data.decode("utf-8-sig")
    sheet = load_workbook(BytesIO(xlsx_bytes("对账", ["客户", "amount"], [["杭州建材", Decimal("1200.50")]]))).active
    assert sheet is not None
    assert sheet["A2"].value == "杭州建材"
    assert float(sheet["B2"].value) == 1200.5


def test_share_ratios_are_percentages_summing_to_a_hundred() -> None:
    assert _shares(["a", "b"], ["60", "40"]) == [
        {"party_id": "a", "ratio": "0.600000"},
        {"party_id": "b", "ratio": "0.400000"},
    ]
    assert _shares(["a", "b"], ["", ""]) == []
    assert _shares(["a", "b"], ["60", "30"]) is None
    assert _shares(["a", "b"], ["x", "100"]) is None
    assert _shares(["a", "b"], ["150", "-50"]) is None


def test_overdue_tasks_come_first_then_the_earliest_deadline() -> None:
    tasks: list[dict[str, Any]] = [
        {"task_id": "later", "due_at": "2026-12-09T00:00:00Z", "overdue": False},
        {"task_id": "none", "due_at": None, "overdue": False},
        {"task_id": "late", "due_at": "2026-12-01T00:00:00Z", "overdue": True},
        {"task_id": "soon", "due_at": "2026-12-04T00:00:00Z", "overdue": False},
    ]
    assert [t["task_id"] for t in by_due_time(tasks)] == ["late", "soon", "later", "none"]


def console(tmp_path: Path) -> TestClient:
    return TestClient(create_app(ConsoleSettings(data_dir=tmp_path, demo_users=True)))


def test_sign_in_with_the_right_password_only_and_never_redirect_off_site(tmp_path: Path) -> None:
    with console(tmp_path) as client:
        assert client.get("/partner", follow_redirects=False).headers["location"].startswith("/login")
        wrong = client.post("/login", data={"username": "hangzhou", "password": "nope"})
        assert wrong.status_code == 401
        assert "用户名或密码错误" in wrong.text
        right = client.post(
            "/login",
            data={"username": "hangzhou", "password": "referee", "next": "//evil.example/"},
            follow_redirects=False,
        )
        assert right.status_code == 303
        assert right.headers["location"] == "/partner"
        cookie = right.headers["set-cookie"].lower()
        assert "httponly" in cookie
        assert "samesite=lax" in cookie


def test_a_post_from_another_site_is_refused(tmp_path: Path) -> None:
    with console(tmp_path) as client:
        answer = client.post(
            "/login", data={"username": "hangzhou", "password": "referee"}, headers={"Origin": "https://evil.example"}
        )
        assert answer.status_code == 403


def test_a_partner_is_refused_staff_pages(tmp_path: Path) -> None:
    with console(tmp_path) as client:
        client.post("/login", data={"username": "hangzhou", "password": "referee"})
        assert client.get("/finance").status_code == 403
        assert client.get("/manager").status_code == 403


def test_english_by_choice(tmp_path: Path) -> None:
    with console(tmp_path) as client:
        client.get("/lang/en?next=/login")
        assert "Wrong user name" in client.post("/login", data={"username": "x", "password": "y"}).text


def test_api_docs_pages_load_only_assets_the_service_serves() -> None:
    app = FastAPI(docs_url=None, redoc_url=None)
    serve_api_docs(app)
    with TestClient(app) as client:
        for page in ("/docs", "/redoc"):
            html = client.get(page).text
            assets = re.findall(r'(?:src|href)="([^"]+)"', html)
            assert assets, page
            for asset in assets:
                assert asset.startswith("/"), f"{page} loads {asset} from outside"
                assert client.get(asset).status_code == 200, asset
            assert "cdn" not in html
            assert "fonts.googleapis" not in html
