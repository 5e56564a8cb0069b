"""Activities of the lock workflow: each records one decision of the workflow through registration's use cases."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from temporalio import activity

from .models import ExtensionClosed, ExtensionOpened, LockEnded, LockExtended, LockReminder, LockTransferred

if TYPE_CHECKING:
    from .steps import LockSteps


class LockActivities:
    def __init__(self, locks: LockSteps) -> None:
        self._locks = locks

    @activity.defn(name="end_lock")
    async def end_lock(self, ended: LockEnded) -> None:
        await self._locks.expire(ended)

    @activity.defn(name="remind_lock")
    async def remind_lock(self, reminder: LockReminder) -> None:
        await self._locks.remind(reminder)

    @activity.defn(name="extend_lock")
    async def extend_lock(self, extended: LockExtended) -> None:
        await self._locks.extend(extended)

    @activity.defn(name="open_extension")
    async def open_extension(self, opened: ExtensionOpened) -> None:
        await self._locks.open_extension(opened)

    @activity.defn(name="close_extension")
    async def close_extension(self, closed: ExtensionClosed) -> None:
        await self._locks.close_extension(closed)

    @activity.defn(name="transfer_lock")
    async def transfer_lock(self, transferred: LockTransferred) -> None:
        await self._locks.transfer(transferred)

    def all(self) -> list[Callable[..., Any]]:
        return [
            self.end_lock,
            self.remind_lock,
            self.extend_lock,
            self.open_extension,
            self.close_extension,
            self.transfer_lock,
        ]
