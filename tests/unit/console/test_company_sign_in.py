"""Sign-in through a company's OpenID Connect provider: a real local provider (oidc-provider-mock, on a free
port in a thread), the console's authorization-code flow with PKCE, and what must not sign anyone in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import oidc_provider_mock
import pytest
from fastapi.testclient import TestClient

from referee_console.app import create_app
from referee_console.settings import ConsoleSettings


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def insecure_transport_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the test's provider speaks plain HTTP on loopback


def console(tmp_path: Path, issuer: str) -> TestClient:
    settings = ConsoleSettings(
        data_dir=tmp_path,
        demo_users=True,
        oidc_issuer=issuer,
        oidc_client_secret="console-secret",
        public_url="http://testserver",
    )
    return TestClient(create_app(settings))


def at_the_provider(authorize_url: str, sub: str) -> str:
    """The person signs in at the provider (its form); the provider sends the browser back with a code."""
    answer = httpx.post(authorize_url, data={"sub": sub}, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def set_claims(issuer: str, sub: str, claims: dict[str, str]) -> None:
    assert httpx.put(f"{issuer}/users/{sub}", json=claims).status_code == 204


@pytest.mark.usefixtures("insecure_transport_on_loopback")
def test_a_known_user_signs_in_through_the_company_provider_with_pkce(tmp_path: Path, provider: str) -> None:
    set_claims(provider, "emp-1024", {"preferred_username": "Finance", "email": "wu@example.com"})
    with console(tmp_path, provider) as client:
        assert "/login/oidc" in client.get("/login").text  # offered beside the password form
        started = client.get("/login/oidc", params={"next": "/finance"}, follow_redirects=False)
        assert started.status_code == 303
        query = parse_qs(urlsplit(started.headers["location"]).query)
        assert query["code_challenge_method"] == ["S256"]
        assert len(query["code_challenge"][0]) == 43  # base64url of a SHA-256
        assert query["state"]
        assert query["nonce"]
        back = urlsplit(at_the_provider(started.headers["location"], "emp-1024"))
        signed_in = client.get(f"{back.path}?{back.query}", follow_redirects=False)
        assert signed_in.status_code == 303
        assert signed_in.headers["location"] == "/finance"
        home = client.get("/", follow_redirects=False)
        assert home.headers["location"] == "/finance"  # signed in as the console's finance user


@pytest.mark.usefixtures("insecure_transport_on_loopback")
def test_no_sign_in_for_an_unknown_person_a_replayed_code_or_another_browsers_flow(
    tmp_path: Path, provider: str
) -> None:
    set_claims(provider, "emp-9", {"preferred_username": "stranger"})
    set_claims(provider, "emp-10", {"preferred_username": "arbiter"})
    with console(tmp_path, provider) as client:
        started = client.get("/login/oidc", follow_redirects=False)
        back = urlsplit(at_the_provider(started.headers["location"], "emp-9"))
        refused = client.get(f"{back.path}?{back.query}", follow_redirects=False)
        assert refused.status_code == 403  # no console user of that name: the provider grants no role
        assert "referee_session" not in refused.headers.get("set-cookie", "")

        started = client.get("/login/oidc", follow_redirects=False)
        back = urlsplit(at_the_provider(started.headers["location"], "emp-10"))
        client.cookies.clear()  # another browser, which never started this sign-in, brings the code
        stolen = client.get(f"{back.path}?{back.query}", follow_redirects=False)
        assert stolen.status_code == 403
        assert client.get("/login/oidc/callback", params={"error": "access_denied"}).status_code == 403


def test_without_a_provider_only_passwords_sign_in(tmp_path: Path) -> None:
    with TestClient(create_app(ConsoleSettings(data_dir=tmp_path, demo_users=True))) as client:
        assert "/login/oidc" not in client.get("/login").text
        assert client.get("/login/oidc", follow_redirects=False).status_code == 404
