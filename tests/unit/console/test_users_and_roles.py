"""The admin's users and roles page, and the channel manager's own read-only service role."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from referee_console.app import create_app
from referee_console.roles import SERVICE_ROLE, ConsoleRole
from referee_console.settings import ConsoleSettings
from referee_dedup.domain.board import Viewer, may_see_account
from referee_shared.auth import Role


def console(tmp_path: Path) -> TestClient:
    return TestClient(create_app(ConsoleSettings(data_dir=tmp_path, demo_users=True)))


def sign_in(client: TestClient, username: str, password: str = "referee") -> int:
    client.cookies.clear()
    answer = client.post("/login", data={"username": username, "password": password}, follow_redirects=False)
    status: int = answer.status_code
    return status


NEW_REVIEWER = {
    "username": "reviewer-js",
    "display_name": "江苏审核 · 孙",
    "password": "long-enough-secret",
    "role": "reviewer",
    "regions": "江苏、上海",
    "partner_id": "dealer-hangzhou",  # ignored: only partner users act for a partner
}


def test_the_admin_creates_a_reviewer_with_regions_and_disables_a_user_who_then_cannot_sign_in(tmp_path: Path) -> None:
    with console(tmp_path) as client:
        assert sign_in(client, "admin") == 303
        page = client.get("/admin/users")
        assert page.status_code == 200
        assert "渠道经理" in page.text
        assert "hangzhou" in page.text
        created = client.post("/admin/users", data=NEW_REVIEWER, follow_redirects=False)
        assert created.status_code == 303
        row = client.get("/admin/users").text.split('data-username="reviewer-js"', 1)[1].split("</tr>", 1)[0]
        assert "江苏、上海" in row
        assert "dealer-hangzhou" not in row
        assert client.post("/admin/users", data=NEW_REVIEWER).status_code == 409  # the name is taken
        short = {**NEW_REVIEWER, "username": "x2", "password": "short"}
        assert client.post("/admin/users", data=short).status_code == 422
        unbound = {**NEW_REVIEWER, "username": "p2", "role": "partner", "partner_id": "", "channel": ""}
        assert client.post("/admin/users", data=unbound).status_code == 422
        assert client.post("/admin/users/admin/disabled", data={"disabled": "true"}).status_code == 409

        assert sign_in(client, "shaoxing") == 303  # a session that is open while the admin disables the user
        session = dict(client.cookies)
        assert sign_in(client, "admin") == 303
        client.post("/admin/users/shaoxing/disabled", data={"disabled": "true"}, follow_redirects=False)
        assert sign_in(client, "shaoxing") == 401
        client.cookies.clear()
        client.cookies.update(session)
        assert client.get("/partner", follow_redirects=False).headers["location"].startswith("/login")

        assert sign_in(client, "reviewer-js", "long-enough-secret") == 303
        assert client.get("/admin/users").status_code == 403  # not the admin's page


def test_the_channel_manager_reads_with_a_role_of_its_own_that_may_change_nothing(tmp_path: Path) -> None:
    assert SERVICE_ROLE[ConsoleRole.CHANNEL_MANAGER] is Role.CHANNEL_MANAGER
    manager = Viewer(role="channel_manager", partner_id=None, regions=())
    assert may_see_account(manager, ["dealer-hangzhou"], "浙江省")
    with console(tmp_path) as client:
        assert sign_in(client, "manager") == 303
        for page in ("/admin/users", "/finance", "/reviewer", "/partner"):
            assert client.get(page).status_code == 403, page
