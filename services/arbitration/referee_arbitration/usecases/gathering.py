"""Gathering a case file: the evidence bundle (chain checked), dedup's verdicts on its leads, the lock history."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from ..adapters.evidence import EvidenceBundle, Verdict
from ..domain.chain import Anchor, ChainCheck, check_chain
from ..ports import EvidenceSource, EvidenceUnavailable, EvidenceUnreadable, VerdictSource
from ..store import Dispute

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CaseEvidence:
    bundle: EvidenceBundle
    check: ChainCheck
    verdicts: list[Verdict]
    gaps: list[str] = field(default_factory=list)

    def as_case_file(self) -> dict[str, Any]:
        return {
            "evidence": self.bundle.model_dump(mode="json"),
            "verdicts": [verdict.model_dump(mode="json") for verdict in self.verdicts],
            "gaps": self.gaps,
        }


class AnchorSource(Protocol):
    async def of(self, chain: str) -> list[Anchor]: ...


class EvidenceGatherer:
    def __init__(self, evidence: EvidenceSource, verdicts: VerdictSource, anchors: AnchorSource | None = None) -> None:
        self._evidence = evidence
        self._verdicts = verdicts
        self._anchors = anchors

    async def bundle(self, lead_id: UUID | None, customer_key: str | None) -> EvidenceBundle | None:
        """The bundle of the customer a lead claims, or of a customer by its key."""
        if lead_id is not None:
            return await self._evidence.for_lead(lead_id)
        if customer_key:
            return await self._evidence.for_customer(customer_key)
        return None

    async def gather(self, bundle: EvidenceBundle) -> CaseEvidence:
        """Check the bundle's chain and fetch dedup's verdicts on each of its leads.

        The verdicts explain, they do not decide: if dedup cannot answer, the case opens without them
        and says so, rather than waiting on it.
        """
        gaps: list[str] = []
        try:
            found = await asyncio.gather(*(self._verdicts.for_lead(lead.lead_id) for lead in bundle.leads))
            verdicts = [verdict for per_lead in found for verdict in per_lead]
        except (EvidenceUnavailable, EvidenceUnreadable) as exc:
            log.warning("dedup verdicts unavailable: %s", exc)
            verdicts, gaps = [], [f"dedup's verdicts could not be fetched: {exc}"]
        anchors = await self._anchors.of(bundle.chain) if self._anchors is not None else []
        return CaseEvidence(bundle, check_chain(bundle, anchors), verdicts, gaps)


def file_evidence(dispute: Dispute, evidence: CaseEvidence, at: datetime) -> bool:
    """Put freshly gathered evidence on the case; True if it shows a break not flagged before."""
    newly_broken = not evidence.check.intact and evidence.check.findings != (dispute.evidence_findings or [])
    dispute.case_file = evidence.as_case_file()
    dispute.chain = evidence.bundle.chain
    dispute.evidence_digest = evidence.check.digest
    dispute.evidence_intact = evidence.check.intact
    dispute.evidence_findings = list(evidence.check.findings)
    dispute.evidence_gathered_at = at
    return newly_broken


def case_evidence(dispute: Dispute) -> tuple[EvidenceBundle | None, list[Verdict]]:
    """The evidence as filed on the case."""
    filed = dispute.case_file or {}
    bundle = EvidenceBundle.model_validate(filed["evidence"]) if filed.get("evidence") else None
    return bundle, [Verdict.model_validate(v) for v in filed.get("verdicts", [])]
