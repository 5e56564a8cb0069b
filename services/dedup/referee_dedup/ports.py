"""What dedup's use cases need from the outside world, as protocols."""

from __future__ import annotations

from typing import Protocol

from .workflows.models import ClashReviewInput, ReviewInput


class ReviewScheduler(Protocol):
    async def start_review(self, workflow_id: str, review: ReviewInput) -> None:
        """Start the workflow that asks a reviewer; starting it twice is harmless."""

    async def start_clash_review(self, workflow_id: str, review: ClashReviewInput) -> None:
        """Ask a reviewer to look at a clashing visit that happened; starting it twice is harmless."""
