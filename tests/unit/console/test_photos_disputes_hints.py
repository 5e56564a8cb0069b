"""A follow-up's photo kept by its content hash, opening a dispute from a refused lead, the hint's limit, and
the services' reasons in Chinese — the console's side, with the services answered by a recording stand-in."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from referee_console.app import create_app
from referee_console.photos import NotAPhoto, Photos
from referee_console.rate_limit import RateLimit
from referee_console.reasons import reason_text, refusal_text
from referee_console.settings import ConsoleSettings
from referee_console.users import Base

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class Services(httpx.AsyncBaseTransport):
    """Answers the console's calls like the services would, and keeps what was sent."""

    def __init__(self, answers: dict[tuple[str, str], tuple[int, Any]]) -> None:
        self.answers = answers
        self.sent: list[tuple[str, str, Any]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        self.sent.append((request.method, f"{request.url.host}{request.url.path}", body))
        status, answer = self.answers.get((request.method, f"{request.url.host}{request.url.path}"), (404, {}))
        return httpx.Response(status, json=answer)


def console(tmp_path: Path, services: Services, **settings: Any) -> TestClient:
    config = ConsoleSettings(
        data_dir=tmp_path,
        demo_users=True,
        registration_url="http://registration",
        dedup_url="http://dedup",
        arbitration_url="http://arbitration",
        **settings,
    )
    return TestClient(create_app(config, transport=services))


def lead_record(lead_id: object, status: str, reason_code: str, reason: str) -> dict[str, Any]:
    """A lead as registration's GET /leads/{id} answers it."""
    return {
        "lead_id": str(lead_id),
        "status": status,
        "product_line": "tiles",
        "customer_name": "杭州某建材有限公司",
        "received_at": "2026-12-03T10:00:00Z",
        "reason_code": reason_code,
        "reason": reason,
        "lock_expires_at": None,
        "protected_until": None,
        "history": [],
    }


def signed_in(client: TestClient, username: str) -> TestClient:
    answer = client.post("/login", data={"username": username, "password": "referee"}, follow_redirects=False)
    assert answer.status_code == 303
    return client


async def test_a_photo_is_kept_once_by_its_content_hash_and_only_images_are_kept(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'photos.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    store = Photos(tmp_path / "photos", async_sessionmaker(engine), max_bytes=4096)
    first = await store.keep(JPEG, "dealer-hangzhou")
    again = await store.keep(JPEG, "dealer-shaoxing")
    assert first.sha256 == again.sha256 == hashlib.sha256(JPEG).hexdigest()
    assert store.path(first.sha256).read_bytes() == JPEG
    assert first.attachment() == {
        "name": f"photo-{first.sha256[:12]}.jpg",
        "sha256": first.sha256,
        "media_type": "image/jpeg",
    }
    assert (await store.keep(PNG, "dealer-hangzhou")).media_type == "image/png"
    for bad in (b"", b"%PDF-1.7 not a photo", JPEG * 10):
        with pytest.raises(NotAPhoto):
            await store.keep(bad, "dealer-hangzhou")
    png = hashlib.sha256(PNG).hexdigest()
    assert await store.find(png, "dealer-hangzhou") is not None
    assert await store.find(png, "dealer-shaoxing") is None  # not its photo
    assert await store.find(png, None) is not None  # staff
    await engine.dispose()


def test_a_visit_with_a_photo_carries_the_photo_hash_and_location_to_the_evidence(tmp_path: Path) -> None:
    lead_id = uuid4()
    lead = lead_record(lead_id, "accepted", "first_valid_claim", "accepted")
    services = Services(
        {
            ("POST", f"registration/leads/{lead_id}/activities"): (202, {"status": "recorded"}),
            ("GET", f"registration/leads/{lead_id}"): (200, lead),
        }
    )
    with console(tmp_path, services) as client:
        signed_in(client, "hangzhou")
        answer = client.post(
            f"/partner/leads/{lead_id}/activities",
            data={"activity_id": str(uuid4()), "kind": "check_in", "summary": "到访", "lat": "30.2", "lon": "120.2"},
            files={"photo": ("IMG_0001.JPG", JPEG, "image/jpeg")},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        [(_, _, report)] = [s for s in services.sent if s[1].endswith("/activities")]
        digest = hashlib.sha256(JPEG).hexdigest()
        assert report["attachments"] == [
            {"name": f"photo-{digest[:12]}.jpg", "sha256": digest, "media_type": "image/jpeg"}
        ]
        assert report["location"] == {"lat": 30.2, "lon": 120.2}
        photo = client.get(f"/photos/{digest}")
        assert photo.status_code == 200
        assert photo.content == JPEG
        assert photo.headers["content-type"] == "image/jpeg"

        refused = client.post(
            f"/partner/leads/{lead_id}/activities",
            data={"activity_id": str(uuid4()), "kind": "visit", "summary": "拜访"},
            files={"photo": ("evil.jpg", b"<script>alert(1)</script>", "image/jpeg")},
        )
        assert refused.status_code == 422
        assert len([s for s in services.sent if s[1].endswith("/activities")]) == 1  # nothing recorded

        client.post("/logout")
        signed_in(client, "shaoxing")
        assert client.get(f"/photos/{digest}").status_code == 404  # another partner's photo is not there
        client.post("/logout")
        signed_in(client, "arbiter")
        assert client.get(f"/photos/{digest}").status_code == 200  # the evidence is for staff to read


def test_a_refused_partner_opens_a_dispute_without_naming_anyone_and_reads_refusals_in_chinese(tmp_path: Path) -> None:
    lead_id, dispute_id = uuid4(), uuid4()
    lead = lead_record(lead_id, "rejected", "duplicate", "duplicate of a protected customer")
    services = Services(
        {
            ("GET", f"registration/leads/{lead_id}"): (200, lead),
            ("POST", "arbitration/disputes"): (201, {"summary": {"dispute_id": str(dispute_id)}}),
        }
    )
    with console(tmp_path, services) as client:
        signed_in(client, "shaoxing")
        page = client.get(f"/partner/leads/{lead_id}")
        assert "对此决定提出争议" in page.text
        assert "duplicate of a protected customer" not in page.text  # the service's English is not shown
        opened = client.post(
            f"/partner/leads/{lead_id}/dispute",
            data={"dispute_id": str(dispute_id), "claim": "我方一月已现场勘察该项目。"},
            follow_redirects=False,
        )
        assert opened.status_code == 303
        assert opened.headers["location"] == f"/partner/disputes/{dispute_id}?opened=1"
        [(_, _, body)] = [s for s in services.sent if s[1] == "arbitration/disputes"]
        assert body["lead_id"] == str(lead_id)
        assert body["claim"] == "我方一月已现场勘察该项目。"
        assert "dealer-hangzhou" not in json.dumps(body)  # the claimant cannot name whom it does not know

        services.answers[("POST", "arbitration/disputes")] = (
            409,
            {"detail": "already_open: dealer-shaoxing already has dispute x open"},
        )
        again = client.post(f"/partner/leads/{lead_id}/dispute", data={"dispute_id": str(uuid4()), "claim": "再次申请"})
        assert again.status_code == 409
        assert reason_text("already_open", None, "zh_CN") in again.text
        assert "already has dispute" not in again.text


def test_refusals_read_in_the_readers_language_and_unknown_ones_as_they_came() -> None:
    assert refusal_text("not_involved: x has neither registered nor followed up", "zh_CN") == reason_text(
        "not_involved", None, "zh_CN"
    )
    assert reason_text("not_involved", None, "zh_CN") != reason_text("not_involved", None, "en")
    assert refusal_text("days: must be at most 30", "zh_CN") == "days: must be at most 30"
    assert reason_text(None, "as the service said", "zh_CN") == "as the service said"


def test_the_hint_is_limited_per_user_within_a_minute() -> None:
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    clock = [now]
    limit = RateLimit(3, timedelta(minutes=1), lambda: clock[0])
    assert [limit.allow("shaoxing") for _ in range(4)] == [True, True, True, False]
    assert limit.allow("hangzhou")  # another user has its own count
    clock[0] = now + timedelta(seconds=61)
    assert limit.allow("shaoxing")


def test_a_partner_probing_names_through_the_hint_is_slowed_down(tmp_path: Path) -> None:
    services = Services({("POST", "dedup/matches"): (200, [])})
    with console(tmp_path, services, hints_per_minute=3) as client:
        signed_in(client, "shaoxing")
        answers = [
            client.post("/partner/hint", data={"customer_name": f"杭州第{i}号建材有限公司"}).text for i in range(5)
        ]
        assert all("目前没有匹配的受保护客户" in a for a in answers[:3])
        assert all("检查太频繁" in a for a in answers[3:])
        assert len([s for s in services.sent if s[1] == "dedup/matches"]) == 3
