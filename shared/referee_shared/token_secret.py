"""The local token issuer's secret: never the one once committed, generated per install in local mode."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

# The secret this repository once shipped in settings.py; anyone can sign admin tokens with it.
DEVELOPMENT_SECRET = "referee-local-development-secret-change-me"


class InsecureConfiguration(RuntimeError):
    """A service must not start like this; the message says what to configure."""


def secret_file(data_dir: Path) -> Path:
    return data_dir / "secrets" / "auth-secret"


def per_install_secret(data_dir: Path, *, create: bool) -> str:
    """The secret stored in ``data_dir``; generated there (readable by its owner only) when ``create``.

    Returns "" when there is none and none may be created: the service then refuses to start.
    """
    path = secret_file(data_dir)
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    if not create:
        return ""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    draft.write_text(secrets.token_urlsafe(48), encoding="ascii")
    draft.chmod(0o600)
    # Several services start at once in `make demo`: the first link wins, the others read its secret.
    with contextlib.suppress(FileExistsError):
        os.link(draft, path)
    draft.unlink()
    return path.read_text(encoding="ascii").strip()


def check_token_secret(secret: str, *, local_mode: bool, jwks_url: str) -> None:
    """Refuse the committed development secret outside local mode, and a service with no issuer at all."""
    if secret == DEVELOPMENT_SECRET and not local_mode:
        raise InsecureConfiguration(
            "REFEREE_AUTH_SECRET is the development secret published in the repository; anyone could sign "
            "tokens with it. Set a secret of your own (e.g. `openssl rand -base64 48`), or "
            "REFEREE_LOCAL_MODE=true on a development machine."
        )
    if not secret and not jwks_url:
        raise InsecureConfiguration(
            "no token issuer configured: set REFEREE_AUTH_SECRET (shared by all services) or "
            "REFEREE_AUTH_JWKS_URL (your SSO), or REFEREE_LOCAL_MODE=true to generate a secret for this install"
        )
    if secret and len(secret) < 32:
        raise InsecureConfiguration("REFEREE_AUTH_SECRET is shorter than 32 characters; use a longer random one")
