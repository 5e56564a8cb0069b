"""The notification centre as the app holds it: store, live hub, Kafka intake and the dispatcher."""

from __future__ import annotations

import asyncio
import contextlib
import gettext
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..settings import ConsoleSettings
from ..users import Users
from .dispatcher import Dispatcher
from .hub import Hub
from .intake import NotificationIntake
from .store import Notification, NotificationStore
from .texts import sentence


class NotificationCentre:
    def __init__(
        self,
        settings: ConsoleSettings,
        sessions: async_sessionmaker[AsyncSession],
        users: Users,
        catalogues: dict[str, gettext.NullTranslations],
    ) -> None:
        self.settings = settings
        self.store = NotificationStore(sessions)
        self.hub = Hub()
        self.zone = ZoneInfo(settings.time_zone)
        self._catalogues = catalogues
        self._client = httpx.AsyncClient(timeout=settings.webhook_timeout_seconds, follow_redirects=False)
        self.dispatcher = Dispatcher(self.store, settings, self.speak, self._client)
        self.intake = (
            NotificationIntake(settings, self.store, users, self.hub) if settings.notifications_from_kafka else None
        )
        self._tasks: list[asyncio.Task[None]] = []

    def speak(self, notification: Notification, language: str | None = None) -> str:
        """The notification's sentence in a language (the console's default for mails and webhooks)."""
        lang = language or self.settings.default_locale
        catalogue = self._catalogues.get(lang) or self._catalogues[self.settings.default_locale]
        return sentence(notification.kind, notification.params, catalogue.gettext, self.zone, lang)

    async def start(self) -> None:
        if self.intake is not None:
            await self.intake.start()
        self._tasks.append(asyncio.create_task(self.dispatcher.run(), name="notification-dispatcher"))

    async def stop(self) -> None:
        self.hub.close()
        if self.intake is not None:
            await self.intake.stop()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self._client.aclose()
