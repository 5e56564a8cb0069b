"""What registration's use cases need from the outside world, as protocols, and the refusals they may meet."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Protocol

from .domain.protection import ExtensionRefused
from .workflows.models import ExtensionRequest, ExtensionTicket, FollowUp, LockEnding, LockInput, TransferOrder

__all__ = ["ExtensionRefused", "LockNotActive", "LockScheduler", "RunningLocks", "TransferRefused"]


class LockNotActive(Exception):
    """The lock has ended (or never started): there is nothing to extend or transfer."""


class TransferRefused(Exception):
    """The lock workflow refused a transfer, e.g. to the partner that already holds it."""


class LockScheduler(Protocol):
    """The lock workflows: one per lock, keyed by the lead that won it."""

    async def start_lock(self, workflow_id: str, lock: LockInput) -> None:
        """Start the protection-period workflow of a lock; starting it twice is harmless."""

    async def end_lock(self, workflow_id: str, ending: LockEnding) -> None:
        """Tell the workflow the lock ended (won, lost, withdrawn); a workflow already finished is fine."""

    async def follow_up(self, workflow_id: str, follow_up: FollowUp) -> None:
        """Hand a follow-up activity to the workflow, which extends the lock if the rule says so."""

    async def request_extension(self, workflow_id: str, request: ExtensionRequest) -> ExtensionTicket:
        """Open a reviewer task for more time; ExtensionRefused or LockNotActive when the rule says no."""

    async def transfer(self, workflow_id: str, order: TransferOrder) -> str:
        """Hand the lock to another partner; returns the new holder's lead id. TransferRefused, LockNotActive."""


class RunningLocks(Protocol):
    """Temporal's own list of the lock workflows running now."""

    def started_before(self, moment: datetime) -> AsyncIterator[str]:
        """The ids of the running lock workflows that started before ``moment``."""
        ...
