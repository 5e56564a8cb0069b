"""Where a dispute stands."""

from __future__ import annotations

from enum import StrEnum


class DisputeStatus(StrEnum):
    REFUSED = "refused"
    FIRST_LEVEL = "first_level"
    HQ_REVIEW = "hq_review"
    RULED = "ruled"
    """ruled, and the appeal window is open"""
    FINAL = "final"
    """the ruling took effect: published on disputes.rulings"""

    @property
    def is_open(self) -> bool:
        return self in (DisputeStatus.FIRST_LEVEL, DisputeStatus.HQ_REVIEW, DisputeStatus.RULED)
