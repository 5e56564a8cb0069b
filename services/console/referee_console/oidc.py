"""Sign-in through a company's OpenID Connect provider: the authorization-code flow with PKCE (S256).

Authlib's OAuth2 client builds the authorization URL (state, nonce, code challenge) and exchanges the
code; joserfc (Authlib's JOSE library) checks the ID token's signature against the provider's keys and
its issuer, audience, expiry and nonce. The provider only says who the person is: the console user with
that name must exist and be enabled, and its role, partner and regions come from the console's records,
never from the provider's claims.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client
from itsdangerous import BadSignature, URLSafeTimedSerializer
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from .settings import ConsoleSettings

FLOW_COOKIE = "referee_oidc"
FLOW_SECONDS = 600  # the person has ten minutes at the provider before the flow must start again


class SignInRefused(Exception):
    """The provider's answer cannot sign anyone in; the message says why (for the log, not the page)."""


@dataclass(frozen=True)
class Started:
    url: str
    cookie: str


class CompanySignIn:
    def __init__(self, settings: ConsoleSettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._settings = settings
        self._issuer = settings.oidc_issuer.rstrip("/")
        self._transport = transport
        self._flows = URLSafeTimedSerializer(settings.session_secret, salt="referee-console-oidc")
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    @property
    def enabled(self) -> bool:
        return bool(self._issuer)

    def _redirect_uri(self) -> str:
        return self._settings.oidc_redirect_url or f"{self._settings.public_url.rstrip('/')}/login/oidc/callback"

    def _client(self) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self._settings.oidc_client_id,
            client_secret=self._settings.oidc_client_secret or None,
            # A console registered without a secret is a public client: PKCE alone protects the code.
            token_endpoint_auth_method=None if self._settings.oidc_client_secret else "none",
            scope=self._settings.oidc_scopes,
            redirect_uri=self._redirect_uri(),
            code_challenge_method="S256",
            timeout=self._settings.service_timeout_seconds,
            transport=self._transport,
        )

    async def _discover(self) -> dict[str, Any]:
        if self._metadata is None:
            async with httpx.AsyncClient(transport=self._transport, timeout=10) as client:
                answer = await client.get(f"{self._issuer}/.well-known/openid-configuration")
                answer.raise_for_status()
                metadata: dict[str, Any] = answer.json()
            if metadata.get("issuer", "").rstrip("/") != self._issuer:
                raise SignInRefused(f"the provider names itself {metadata.get('issuer')!r}, not {self._issuer!r}")
            self._metadata = metadata
        return self._metadata

    async def _key_set(self, refresh: bool = False) -> KeySet:
        if self._keys is None or refresh:
            metadata = await self._discover()
            async with httpx.AsyncClient(transport=self._transport, timeout=10) as client:
                answer = await client.get(metadata["jwks_uri"])
                answer.raise_for_status()
            self._keys = KeySet.import_key_set(answer.json())
        return self._keys

    async def start(self, next_path: str) -> Started:
        """Where to send the browser, and the signed cookie that remembers state, nonce and verifier."""
        metadata = await self._discover()
        state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
        async with self._client() as client:
            url, _ = client.create_authorization_url(
                metadata["authorization_endpoint"], state=state, code_verifier=verifier, nonce=nonce
            )
        cookie = self._flows.dumps({"s": state, "n": nonce, "v": verifier, "next": next_path})
        return Started(url, cookie)

    async def finish(self, cookie: str | None, state: str, code: str) -> tuple[str, str]:
        """The username the provider vouches for, and where the person was going; SignInRefused if not."""
        try:
            flow = self._flows.loads(cookie or "", max_age=FLOW_SECONDS)
        except BadSignature as exc:
            raise SignInRefused("no sign-in was started from this browser, or it took too long") from exc
        if not isinstance(flow, dict) or flow.get("s") != state:
            raise SignInRefused("the state does not match the sign-in this browser started")
        metadata = await self._discover()
        async with self._client() as client:
            token = await client.fetch_token(
                metadata["token_endpoint"], code=code, code_verifier=flow["v"], state=state
            )
        claims = await self._verified_claims(str(token.get("id_token") or ""), flow["n"])
        username = claims.get(self._settings.oidc_username_claim)
        if not isinstance(username, str) or not username:
            raise SignInRefused(f"the ID token has no {self._settings.oidc_username_claim!r} claim")
        return username.strip().lower(), str(flow.get("next") or "/")

    async def _verified_claims(self, id_token: str, nonce: str) -> dict[str, Any]:
        if not id_token:
            raise SignInRefused("the provider sent no ID token")
        try:
            try:
                decoded = jwt.decode(id_token, await self._key_set())
            except JoseError:  # the provider may have rotated its keys since they were read
                decoded = jwt.decode(id_token, await self._key_set(refresh=True))
            jwt.JWTClaimsRegistry(
                now=lambda: int(time.time()),
                leeway=60,
                iss={"essential": True, "value": self._issuer},
                aud={"essential": True, "value": self._settings.oidc_client_id},
                exp={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(decoded.claims)
        except (JoseError, ValueError) as exc:
            raise SignInRefused(f"the ID token does not verify: {exc}") from exc
        return dict(decoded.claims)
