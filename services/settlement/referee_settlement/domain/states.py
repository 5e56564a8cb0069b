"""The states a deal and a statement go through in settlement."""

from __future__ import annotations

from enum import StrEnum


class DealStatus(StrEnum):
    WON = "won"  # being settled (or settled)
    LOST = "lost"  # nothing to settle
    REVERSED = "reversed"  # refunded or cancelled: its statement is netted to zero, nothing more happens


class StatementStatus(StrEnum):
    DRAFT = "draft"  # computed, not yet shown to finance
    AWAITING_APPROVAL = "awaiting_approval"  # a finance task is open
    REJECTED = "rejected"  # finance refused it; the deal waits for a correction
    WITHDRAWN = "withdrawn"  # the deal changed before it was issued
    ISSUED = "issued"  # published to finance: never recomputed
    REVERSED = "reversed"  # an issued statement netted to zero by a reversal statement
