"""Activities of registration's workflows: they act on registration's database through its use cases."""

from __future__ import annotations

from typing import TYPE_CHECKING

from temporalio import activity

from .models import LockEnded

if TYPE_CHECKING:
    from ..usecases import Registration


class LockActivities:
    def __init__(self, registration: Registration) -> None:
        self._registration = registration

    @activity.defn(name="end_lock")
    async def end_lock(self, ended: LockEnded) -> None:
        await self._registration.end_lock(ended)
