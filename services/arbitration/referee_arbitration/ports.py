"""What arbitration's use cases need from the outside world, as protocols."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from referee_shared.events.tasks import TaskDecision

from .adapters.evidence import EvidenceBundle, Verdict
from .workflows.models import AppealFiled, DisputeCase


class EvidenceUnavailable(ConnectionError):
    """Registration or dedup could not answer now; the step is retried later, never decided without evidence."""


class EvidenceUnreadable(Exception):
    """Registration or dedup answered something arbitration cannot read: a contract mismatch, not an outage."""


class EvidenceSource(Protocol):
    """Registration's evidence trail: the whole bundle of a customer, as of now."""

    async def for_lead(self, lead_id: UUID) -> EvidenceBundle | None:
        """The bundle of the customer a lead claims; None if registration knows no such lead."""

    async def for_customer(self, customer_key: str) -> EvidenceBundle | None:
        """The bundle of a customer; None if nothing is recorded about it."""


class VerdictSource(Protocol):
    """Dedup's verdicts, each explaining which fields matched and how strongly."""

    async def for_lead(self, lead_id: UUID) -> list[Verdict]:
        """Every verdict dedup gave on a lead (empty if none)."""


class WorkflowRefused(Exception):
    """The dispute's workflow refused an update (a ruling or an appeal); the reason says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DisputeWorkflows(Protocol):
    async def start(self, workflow_id: str, case: DisputeCase) -> None:
        """Start the dispute's workflow; starting it twice is harmless."""

    async def decide(self, workflow_id: str, decision: TaskDecision) -> str:
        """Hand a ruling to the workflow (the ``decide`` update); WorkflowRefused if it refuses."""

    async def appeal(self, workflow_id: str, appeal: AppealFiled) -> str:
        """Hand a party's appeal to the workflow; WorkflowRefused if it refuses."""
