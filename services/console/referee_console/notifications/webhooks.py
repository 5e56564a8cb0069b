"""Signed outbound webhooks for partner systems that do not read Kafka.

Every call is a POST of a JSON body with three headers: ``X-Referee-Delivery`` (the same id on every
retry, for the receiver's idempotency), ``X-Referee-Timestamp`` (Unix seconds at sending) and
``X-Referee-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>" under the subscriber's secret>``.
A receiver recomputes the signature and refuses a timestamp older than a few minutes (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
from collections.abc import Mapping
from urllib.parse import urlsplit

DELIVERY = "X-Referee-Delivery"
TIMESTAMP = "X-Referee-Timestamp"
SIGNATURE = "X-Referee-Signature"
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def signed_headers(secret: str, delivery_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        DELIVERY: delivery_id,
        TIMESTAMP: str(timestamp),
        SIGNATURE: signature(secret, timestamp, body),
    }


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: int, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """What a receiving partner system does: the signature matches and the timestamp is recent."""
    try:
        timestamp = int(headers[TIMESTAMP])
        given = headers[SIGNATURE]
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(given, signature(secret, timestamp, body))


def body(payload: Mapping[str, object]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def refusal(url: str, allow_private: bool) -> str | None:
    """Why the console will not call this URL, or None. A partner may not aim the console at the
    console's own network (loopback, private or link-local addresses) unless the operator allows it."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "the address must start with https:// (or http://) and name a host"
    if parts.username or parts.password:
        return "the address must not carry a user name or password"
    if allow_private:
        return None
    host = parts.hostname.lower()
    if host == "localhost" or host.endswith(".localhost") or host.endswith(".local"):
        return "the address must be reachable on the internet, not a local name"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if address.is_private or address.is_loopback or address.is_link_local or address.is_reserved:
        return "the address must be reachable on the internet, not a private or local address"
    return None
