"""What dedup's use cases need from the outside world, as protocols."""

from __future__ import annotations

from typing import Protocol

from .workflows.models import ReviewInput


class ReviewScheduler(Protocol):
    async def start_review(self, workflow_id: str, review: ReviewInput) -> None:
        """Start the workflow that asks a reviewer; starting it twice is harmless."""
