"""Reading the evidence trail: the whole bundle for a customer or a lead, and verification of the chains."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from referee_shared.outbox import Transactions

from ..domain.evidence import Anchor, Entry, Verification, check_anchors, verify
from ..store import EvidenceRepository, LeadRepository
from ..usecases.locks import LeadNotFound
from ..usecases.recording import chain_of


class TrailNotFound(Exception):
    """No trail is recorded under that customer key."""


class RecordView(BaseModel):
    record_id: str
    seq: int
    recorded_at: datetime
    actor: str
    kind: str
    lead_id: str | None
    content: dict[str, Any]
    rule_set: str | None
    rule_version: int | None
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, entry: Entry) -> RecordView:
        return cls.model_validate(entry, from_attributes=True)


class FindingView(BaseModel):
    problem: str = Field(description="altered, reordered or removed")
    seq: int = Field(description="position of the record concerned (for a removal: the first missing position)")
    record_id: str | None
    detail: str


class VerificationView(BaseModel):
    chain: str
    intact: bool
    checked: int = Field(description="how many records were checked")
    head_hash: str = Field(description="hash of the last record: it commits to the whole chain")
    findings: list[FindingView]
    anchors_checked: int = Field(
        default=0, description="signed checkpoints (evidence.checkpoints) the chain was compared with"
    )

    @classmethod
    def of(cls, verification: Verification, anchors_checked: int = 0) -> VerificationView:
        return cls(
            chain=verification.chain,
            intact=verification.intact,
            checked=verification.checked,
            head_hash=verification.head_hash,
            anchors_checked=anchors_checked,
            findings=[
                FindingView(problem=f.problem.value, seq=f.seq, record_id=f.record_id, detail=f.detail)
                for f in verification.findings
            ],
        )


class LeadOnTrail(BaseModel):
    lead_id: UUID
    partner_id: str
    channel: str
    status: str
    received_at: datetime
    decided_at: datetime | None
    reason_code: str | None


class LockOnTrail(BaseModel):
    lock_id: UUID
    lead_id: UUID
    partner_id: str
    status: str
    starts_at: datetime
    expires_at: datetime
    rule_set: str
    rule_version: int


class EvidenceBundle(BaseModel):
    """Everything recorded about one customer, in chain order, with its verification."""

    chain: str = Field(description="the customer key, or lead:<id> for a lead refused before a customer was named")
    requested: str = Field(description="what was asked for: customer:<key> or lead:<id>")
    generated_at: datetime
    digest: str = Field(description="hash of the last record; cite it to pin the bundle a ruling relied on")
    verification: VerificationView
    leads: list[LeadOnTrail]
    locks: list[LockOnTrail]
    records: list[RecordView]


class EvidenceQueries:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def for_customer(self, customer_key: str) -> EvidenceBundle:
        return await self._bundle(customer_key, f"customer:{customer_key}")

    async def for_lead(self, lead_id: UUID) -> EvidenceBundle:
        return await self._bundle(await self._chain_of_lead(lead_id), f"lead:{lead_id}")

    async def verify_customer(self, customer_key: str) -> VerificationView:
        return (await self.for_customer(customer_key)).verification

    async def verify_lead(self, lead_id: UUID) -> VerificationView:
        return (await self.for_lead(lead_id)).verification

    async def verify_all(self) -> list[VerificationView]:
        async with self._tx.sessions() as session:
            trail = EvidenceRepository(session)
            return [
                VerificationView.of(verify(chain, await trail.entries(chain), await trail.head(chain)))
                for chain in await trail.chains()
            ]

    async def verify_anchored(
        self, anchors: Mapping[str, list[Anchor]], chains: list[str] | None = None
    ) -> list[VerificationView]:
        """Verify chains (default: every chain stored or anchored) and compare each with its signed checkpoints,
        so a rewrite with recomputed hashes, or a chain deleted whole, is named."""
        async with self._tx.sessions() as session:
            trail = EvidenceRepository(session)
            names = chains if chains is not None else sorted({*await trail.chains(), *anchors})
            results = []
            for chain in names:
                entries, signed = await trail.entries(chain), anchors.get(chain, [])
                checked = verify(chain, entries, await trail.head(chain))
                findings = [*checked.findings, *check_anchors(chain, entries, signed)]
                verification = Verification(chain, checked.checked, checked.head_hash, findings)
                results.append(VerificationView.of(verification, anchors_checked=len(signed)))
            return results

    async def chain_of_lead(self, lead_id: UUID) -> str:
        return await self._chain_of_lead(lead_id)

    async def _chain_of_lead(self, lead_id: UUID) -> str:
        async with self._tx.sessions() as session:
            lead = await LeadRepository(session).get(lead_id)
            if lead is None:
                raise LeadNotFound(f"no lead {lead_id}")
            # A transfer's new lead, or an old lead whose customer became known later, lives on its customer chain.
            return await EvidenceRepository(session).chain_of_lead(lead_id) or chain_of(lead)

    async def _bundle(self, chain: str, requested: str) -> EvidenceBundle:
        async with self._tx.sessions() as session:
            trail, leads = EvidenceRepository(session), LeadRepository(session)
            entries, head = await trail.entries(chain), await trail.head(chain)
            if not entries and head is None:
                raise TrailNotFound(f"no evidence recorded for {requested}")
            verification = verify(chain, entries, head)
            on_trail = await leads.of_customer(chain)
            locks = await leads.locks_on(chain)
            if not on_trail and chain.startswith("lead:"):
                lead = await leads.get(UUID(chain.removeprefix("lead:")))
                on_trail = [lead] if lead else []
            return EvidenceBundle(
                chain=chain,
                requested=requested,
                generated_at=self._tx.clock.now(),
                digest=verification.head_hash,
                verification=VerificationView.of(verification),
                leads=[LeadOnTrail.model_validate(lead, from_attributes=True) for lead in on_trail],
                locks=[LockOnTrail.model_validate(lock, from_attributes=True) for lock in locks],
                records=[RecordView.of(entry) for entry in entries],
            )
