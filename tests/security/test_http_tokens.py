"""Tokens as an identity provider issues them: the attacks on the API's tokens, and the paths that still work."""

from __future__ import annotations

import json
import stat
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from referee_dedup.app import build_app as build_dedup_app
from referee_registration.app import build_app
from referee_registration.settings import RegistrationSettings
from referee_shared.auth import Role, issue_token
from referee_shared.settings import ServiceSettings
from referee_shared.token_secret import DEVELOPMENT_SECRET, InsecureConfiguration, check_token_secret, secret_file
from referee_shared.token_verifier import TokenPolicy, TokenVerifier

from ..unit.conftest import InMemorySystem

NOW = datetime.now(UTC)


@pytest.fixture
async def registration(system: InMemorySystem) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(system.runtimes["registration"], system.registration)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://registration") as client:
        yield client


def secret_of(system: InMemorySystem) -> str:
    return system.runtimes["registration"].settings.auth_secret


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def signed(secret: str, **claims: Any) -> str:
    base: dict[str, Any] = {
        "iss": "referee",
        "aud": "referee-api",
        "sub": "attacker",
        "jti": "t-1",
        "role": "admin",
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + timedelta(hours=1)).timestamp()),
    }
    return jwt.encode({k: v for k, v in {**base, **claims}.items() if v is not None}, secret, algorithm="HS256")


async def refusal(client: httpx.AsyncClient, token: str) -> str:
    answer = await client.get("/inbox", headers=bearer(token))
    assert answer.status_code == 401, answer.text
    detail: str = answer.json()["detail"]
    return detail


def test_a_service_refuses_to_start_with_the_committed_development_secret() -> None:
    with pytest.raises(InsecureConfiguration, match="development secret published in the repository"):
        check_token_secret(DEVELOPMENT_SECRET, local_mode=False, jwks_url="")
    check_token_secret(DEVELOPMENT_SECRET, local_mode=True, jwks_url="")  # explicitly local: allowed


def test_a_service_without_any_issuer_refuses_to_start_and_says_what_to_set(tmp_path: Path) -> None:
    settings = ServiceSettings(data_dir=tmp_path, local_mode=False)
    assert settings.auth_secret == ""
    with pytest.raises(InsecureConfiguration, match="REFEREE_AUTH_SECRET"):
        check_token_secret(settings.auth_secret, local_mode=False, jwks_url="")


def test_local_mode_generates_one_secret_per_install_readable_by_its_owner_only(tmp_path: Path) -> None:
    first = ServiceSettings(data_dir=tmp_path / "a", local_mode=True).auth_secret
    again = ServiceSettings(data_dir=tmp_path / "a", local_mode=True).auth_secret
    other = ServiceSettings(data_dir=tmp_path / "b", local_mode=True).auth_secret
    assert first == again != other
    assert len(first) >= 32
    assert DEVELOPMENT_SECRET not in (first, other)
    assert stat.S_IMODE(secret_file(tmp_path / "a").stat().st_mode) == 0o600


async def test_an_admin_token_self_signed_with_the_committed_secret_is_refused(
    registration: httpx.AsyncClient,
) -> None:
    assert "Signature verification failed" in await refusal(registration, signed(DEVELOPMENT_SECRET))


async def test_tokens_without_exp_with_a_century_of_life_or_for_another_issuer_or_audience_are_refused(
    system: InMemorySystem, registration: httpx.AsyncClient
) -> None:
    secret = secret_of(system)
    century = int((NOW + timedelta(days=36500)).timestamp())
    assert 'missing the "exp" claim' in await refusal(registration, signed(secret, exp=None))
    assert "longer than the 720 hours allowed" in await refusal(registration, signed(secret, exp=century))
    assert "not trusted here" in await refusal(registration, signed(secret, iss="someone-else"))
    assert 'missing the "iss" claim' in await refusal(registration, signed(secret, iss=None))
    assert "Audience doesn't match" in await refusal(registration, signed(secret, aud="another-api"))
    assert 'missing the "aud" claim' in await refusal(registration, signed(secret, aud=None))
    assert 'missing the "jti" claim' in await refusal(registration, signed(secret, jti=None))
    assert (await registration.get("/inbox", headers=bearer(signed(secret)))).status_code == 200


def test_the_local_issuer_will_not_sign_a_partner_token_without_a_partner_or_a_non_positive_lifetime() -> None:
    with pytest.raises(ValueError, match="must name the partner"):
        issue_token("x" * 40, subject="p", role=Role.PARTNER, now=NOW)
    with pytest.raises(ValueError, match="lifetime must be positive"):
        issue_token("x" * 40, subject="a", role=Role.ADMIN, now=NOW, ttl=timedelta(0))


async def test_a_partner_token_without_a_partner_id_is_refused_not_treated_like_an_admin(
    system: InMemorySystem, registration: httpx.AsyncClient
) -> None:
    secret = secret_of(system)
    assert "must name the partner" in await refusal(registration, signed(secret, role="partner"))
    assert "must name the partner" in await refusal(registration, signed(secret, role="partner", partner_id=""))


async def test_a_revoked_token_is_refused_by_every_service_and_the_list_is_readable(
    system: InMemorySystem, registration: httpx.AsyncClient
) -> None:
    secret = secret_of(system)
    reviewer = signed(secret, role="reviewer", sub="reviewer-li", jti="leaked-token")
    admin = signed(secret, jti="admin-token")
    dedup_app = build_dedup_app(system.runtimes["dedup"], system.components["dedup"])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=dedup_app), base_url="http://dedup") as dedup:
        assert (await registration.get("/inbox", headers=bearer(reviewer))).status_code == 200
        assert (await dedup.get("/customers/nobody", headers=bearer(reviewer))).status_code == 404

        revoked = await registration.post(
            "/admin/tokens/revoked", json={"token_id": "leaked-token", "reason": "laptop stolen"}, headers=bearer(admin)
        )
        assert revoked.status_code == 201, revoked.text
        assert revoked.json()["revoked_by"] == "attacker"

        assert "leaked-token was revoked" in await refusal(registration, reviewer)
        # dedup learnt it from auth.revocations, not from registration's memory
        answer = await dedup.get("/customers/nobody", headers=bearer(reviewer))
        assert answer.status_code == 401
        assert "revoked" in answer.json()["detail"]
        listed = await dedup.get("/admin/tokens/revoked", headers=bearer(admin))
    assert [r["token_id"] for r in listed.json()] == ["leaked-token"]
    not_admin = await registration.post("/admin/tokens/revoked", json={"token_id": "x"}, headers=bearer(reviewer))
    assert not_admin.status_code == 401


# --- an external OIDC provider, by its JWKS --------------------------------------------------------------


@pytest.fixture(scope="module")
def provider_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks_url(provider_key: rsa.RSAPrivateKey) -> Iterator[str]:
    """A company SSO's key set, served over HTTP on a local port."""
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(provider_key.public_key()))
    document = json.dumps({"keys": [{**public, "kid": "sso-1", "use": "sig", "alg": "RS256"}]}).encode()

    class Keys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *_args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Keys)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    server.shutdown()


def sso_token(key: Any, *, algorithm: str = "RS256", **claims: Any) -> str:
    base = {
        "iss": "https://sso.example.cn",
        "aud": "referee-api",
        "sub": "zhang.wei@example.cn",
        "jti": "sso-token-1",
        "role": "reviewer",
        "regions": ["江苏"],
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + timedelta(hours=1)).timestamp()),
    }
    return jwt.encode({**base, **claims}, key, algorithm=algorithm, headers={"kid": "sso-1"})


def sso_verifier(jwks_url: str, tmp_path: Path) -> TokenVerifier:
    settings = RegistrationSettings(
        data_dir=tmp_path, local_mode=True, auth_jwks_url=jwks_url, auth_jwks_issuer="https://sso.example.cn"
    )
    return TokenVerifier(TokenPolicy.from_settings(settings))


def test_a_token_of_the_company_sso_is_accepted_by_its_jwks(
    provider_key: rsa.RSAPrivateKey, jwks_url: str, tmp_path: Path
) -> None:
    principal = sso_verifier(jwks_url, tmp_path).verify(sso_token(provider_key))
    assert (principal.subject, principal.role, principal.regions) == ("zhang.wei@example.cn", Role.REVIEWER, ["江苏"])


def test_a_token_claiming_the_sso_but_signed_by_another_key_or_with_its_public_key_as_hmac_is_refused(
    provider_key: rsa.RSAPrivateKey, jwks_url: str, tmp_path: Path
) -> None:
    verifier = sso_verifier(jwks_url, tmp_path)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(ValueError, match="Signature verification failed"):
        verifier.verify(sso_token(stranger))
    # The algorithm belongs to the issuer: an HS256 token naming the SSO is never checked with a shared secret.
    with pytest.raises(ValueError, match="invalid token"):
        verifier.verify(sso_token("a-guessable-hmac-secret-of-enough-length", algorithm="HS256"))
    with pytest.raises(ValueError, match="Audience doesn't match"):
        verifier.verify(sso_token(provider_key, aud="another-app"))
