"""What settlement's use cases need from the outside world, as protocols."""

from __future__ import annotations

from typing import Protocol


class SettlementWorkflows(Protocol):
    """The per-deal settlement workflows (Temporal in production)."""

    def workflow_id(self, deal_id: str) -> str:
        """The id of the deal's workflow (one per deal, whether it runs yet or not)."""

    async def revise(self, deal_id: str, revision: int, reason: str) -> str:
        """Have the deal's workflow settle this revision, starting it if need be; returns its workflow id."""

    async def reverse(self, deal_id: str, revision: int, kind: str, reason: str) -> None:
        """Tell the deal's workflow the deal was refunded or cancelled."""
