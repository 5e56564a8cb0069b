"""What qualification's use cases need from the outside world, as protocols."""

from __future__ import annotations

from typing import Protocol

from .workflows.models import ReviewInput, ValidityInput


class Reviews(Protocol):
    async def start_review(self, workflow_id: str, review: ReviewInput) -> None:
        """Start the review workflow of a certificate; starting it again while it runs is harmless."""

    async def start_validity(self, workflow_id: str, validity: ValidityInput) -> None:
        """Start the validity workflow of an approved certificate; starting it again is harmless."""

    async def end_validity(self, workflow_id: str, reason: str) -> None:
        """Tell a certificate's validity workflow it ended early (revoked); a missing workflow is no error."""
