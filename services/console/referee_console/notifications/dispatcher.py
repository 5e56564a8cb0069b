"""Sends what the store says is owed: mails and webhook calls, with retries that back off.

A failed call is tried again after 2, 4, 8 ... seconds (capped), up to ``outgoing_max_attempts``; then it
stays in the queue as failed with the last error, which the partner's webhook page shows. Delivery is at
least once: a receiver deduplicates on the delivery id.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx

from ..settings import ConsoleSettings
from . import mail, webhooks
from .store import Due, Notification, NotificationStore

log = logging.getLogger(__name__)

Speaker = Callable[[Notification], str]


def backoff(attempts: int, base: float, cap: float) -> timedelta:
    return timedelta(seconds=min(base * 2 ** (attempts - 1), cap))


def webhook_payload(notification: Notification, text: str, public_url: str) -> dict[str, object]:
    link = public_url.rstrip("/") + notification.link if notification.link else None
    return {
        "id": str(notification.seq),
        "type": notification.kind,
        "partner_id": notification.audience.partner_id,
        "params": notification.params,
        "text": text,
        "link": link,
        "created_at": notification.created_at.isoformat(),
    }


class Dispatcher:
    def __init__(
        self,
        store: NotificationStore,
        settings: ConsoleSettings,
        speak: Speaker,
        client: httpx.AsyncClient,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._settings = settings
        self._speak = speak
        self._client = client
        self._now = clock

    async def run(self) -> None:
        while True:
            try:
                await self.send_due()
            except Exception:  # the next round tries again; one bad round must not stop the dispatcher
                log.warning("could not send notifications", exc_info=True)
            await asyncio.sleep(self._settings.outgoing_poll_seconds)

    async def send_due(self) -> int:
        """Make every call that is due now; returns how many succeeded."""
        sent = 0
        for owed in await self._store.due(self._now()):
            try:
                await self._send(owed)
            except Exception as exc:
                await self._failed(owed, repr(exc) if not isinstance(exc, Refused) else str(exc))
            else:
                sent += 1
                await self._store.settle(
                    owed.outgoing_id, status="sent", attempts=owed.attempts + 1, next_at=self._now(), error=""
                )
        return sent

    async def _failed(self, owed: Due, error: str) -> None:
        attempts = owed.attempts + 1
        settings = self._settings
        final = attempts >= settings.outgoing_max_attempts
        log.warning("%s to %s failed (attempt %d): %s", owed.channel, owed.target, attempts, error)
        await self._store.settle(
            owed.outgoing_id,
            status="failed" if final else "pending",
            attempts=attempts,
            next_at=self._now()
            + backoff(attempts, settings.outgoing_backoff_seconds, settings.outgoing_backoff_cap_seconds),
            error=error,
        )

    async def _send(self, owed: Due) -> None:
        text = self._speak(owed.notification)
        if owed.channel == "mail":
            if not self._settings.smtp_host:
                raise Refused("no SMTP server is configured (REFEREE_SMTP_HOST)")
            link = owed.notification.link
            body = text + (f"\n\n{self._settings.public_url.rstrip('/')}{link}" if link else "")
            await mail.send(self._settings, mail.message(self._settings, owed.target, text, body))
            return
        hook = await self._store.webhook(owed.target)
        if hook is None:
            raise Refused("the webhook was removed")
        payload = webhooks.body(webhook_payload(owed.notification, text, self._settings.public_url))
        now = int(self._now().timestamp())
        headers = webhooks.signed_headers(hook.secret, str(owed.notification.seq), now, payload)
        answer = await self._client.post(hook.url, content=payload, headers=headers)
        if not answer.is_success:
            raise Refused(f"HTTP {answer.status_code}: {answer.text[:200]}")


class Refused(Exception):
    """The receiver (or the configuration) said no; the message is the reason kept for the user."""
