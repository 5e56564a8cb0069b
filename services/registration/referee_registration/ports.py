"""What registration's use cases need from the outside world, as protocols."""

from __future__ import annotations

from typing import Protocol

from .workflows.models import LockInput


class LockScheduler(Protocol):
    async def start_lock(self, workflow_id: str, lock: LockInput) -> None:
        """Start the protection-period workflow of a lock; starting it twice is harmless."""
