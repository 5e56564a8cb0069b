"""The session: a signed, time-limited cookie naming the user; nothing else is trusted from the browser."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "referee_session"
LANGUAGE_COOKIE = "referee_lang"


class SessionSigner:
    def __init__(self, secret: str, max_age_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="referee-console-session")
        self.max_age_seconds = max_age_seconds

    def sign(self, username: str) -> str:
        return self._serializer.dumps({"u": username})

    def username(self, cookie: str | None) -> str | None:
        """The signed-in user's name, or None for a missing, forged or expired cookie."""
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=self.max_age_seconds)
        except BadSignature:
            return None
        name = data.get("u") if isinstance(data, dict) else None
        return name if isinstance(name, str) else None
