"""Opening a dispute: check who may open it, gather the case file, start the escalation workflow.

The same use case serves disputes.opened (partner portals, HQ systems) and the HTTP API; a refusal
is stored, published on disputes.events with its reason, and returned to an HTTP caller.
"""

from __future__ import annotations

from contextlib import suppress
from uuid import UUID

from pydantic import ValidationError

from referee_shared.events.common import Channel, CustomerIdentity
from referee_shared.events.disputes import DisputeOpened, DisputeStep, OpenedBy
from referee_shared.events.envelope import Envelope
from referee_shared.outbox import Transaction, Transactions
from referee_shared.regions import UNKNOWN_REGION, region_key
from referee_shared.rules.rulebook import RuleBook, RuleError
from referee_shared.rules.ruleset import RuleSet
from referee_shared.settings import ServiceSettings

from ..adapters.evidence import EvidenceBundle
from ..domain.deadlines import first_level_due, statements_until
from ..domain.opening import Refusal, contested_lead, refusal_before_evidence, refusal_on_evidence, subject_of
from ..domain.status import DisputeStatus
from ..domain.trail import TrailLead
from ..ports import DisputeWorkflows
from ..store import Dispute, DisputeRepository, RegistrationRepository
from ..workflows.models import DISPUTE_WORKFLOW_KIND, DisputeCase
from .gathering import CaseEvidence, EvidenceGatherer, file_evidence
from .steps import CONSUMER, SYSTEM_ACTOR, record_step

STARTED = "arbitration.workflow-started"
"""marks a dispute whose escalation workflow was started after its commit"""


class Opening:
    def __init__(
        self,
        transactions: Transactions,
        rules: RuleBook,
        gatherer: EvidenceGatherer,
        workflows: DisputeWorkflows,
        settings: ServiceSettings,
    ) -> None:
        self._tx = transactions
        self._rules = rules
        self._gatherer = gatherer
        self._workflows = workflows
        self._settings = settings

    async def opened(self, event: Envelope[DisputeOpened]) -> None:
        await self.open(event.payload, correlation_id=event.correlation_id, event_id=event.event_id)

    async def open(self, opened: DisputeOpened, *, correlation_id: str, event_id: UUID | None = None) -> Dispute:
        """Open the dispute, or refuse it with the reason; opening the same dispute id again returns it unchanged.

        The escalation workflow is started after the commit; should that start not have happened (a crash in
        between), opening the same dispute again (a redelivery, a repeated request) starts it then.
        """
        async with self._tx.sessions() as session:
            known = await DisputeRepository(session).get(opened.dispute_id)
        if known is not None:
            await self._resume(known)
            return known
        refusal = refusal_before_evidence(opened)
        bundle: EvidenceBundle | None = None
        evidence: CaseEvidence | None = None
        if refusal is None:
            bundle = await self._gatherer.bundle(opened.lead_id, opened.customer_key)
            async with self._tx.sessions() as session:
                already = (
                    await DisputeRepository(session).open_one_of(opened.claimant_id, bundle.chain) if bundle else None
                )
            refusal = refusal_on_evidence(opened, bundle, already)
            if refusal is None and bundle is not None:
                evidence = await self._gatherer.gather(bundle)
        start: DisputeCase | None = None
        async with self._tx.begin() as tx:
            disputes = DisputeRepository(tx.session)
            if event_id is not None and not await tx.first_time(CONSUMER, event_id):
                return await disputes.get(opened.dispute_id) or _unsaved(opened, correlation_id, tx)
            if (known := await disputes.get(opened.dispute_id)) is not None:
                return known
            dispute = _unsaved(opened, correlation_id, tx)
            disputes.add(dispute)
            if bundle is not None:  # refused or not, the dispute counts in its customer's region and channel
                lead = contested_lead(opened, bundle)
                dispute.product_line, dispute.channel, dispute.region = await _facts(tx, bundle, lead or _first(bundle))
            if refusal is None and evidence is not None:
                refusal, start = await self._begin(tx, dispute, opened, evidence)
            if refusal is not None:
                await _refuse(tx, dispute, refusal)
        if start is not None and dispute.workflow_id is not None:
            await self._start(dispute, start)
        return dispute

    async def _start(self, dispute: Dispute, case: DisputeCase) -> None:
        assert dispute.workflow_id is not None
        await self._workflows.start(dispute.workflow_id, case)
        async with self._tx.begin() as tx:
            await tx.first_time(STARTED, dispute.dispute_id)

    async def _resume(self, dispute: Dispute) -> None:
        """Start the workflow of an opened dispute whose start is not on record (the process stopped before)."""
        if dispute.workflow_id is None or dispute.rule_set is None or dispute.rule_version is None:
            return
        async with self._tx.begin() as tx:
            if await tx.processed(STARTED, dispute.dispute_id):
                return
        bundle = await self._gatherer.bundle(dispute.lead_id, dispute.customer_key)
        rules = self._rules.get(dispute.rule_set, dispute.rule_version)
        await self._start(dispute, _case(dispute, rules, _channels(bundle, dispute) if bundle else {}))

    async def _begin(
        self, tx: Transaction, dispute: Dispute, opened: DisputeOpened, evidence: CaseEvidence
    ) -> tuple[Refusal | None, DisputeCase | None]:
        """Begin the proceedings: a refusal, or the case its workflow is started with after the commit."""
        lead = contested_lead(opened, evidence.bundle)
        try:
            if dispute.product_line is None:
                raise RuleError("no registration on the trail names a product line")
            rules = self._rules.for_product_line(dispute.product_line, dispute.opened_at)
        except RuleError as exc:
            return Refusal("no_rules", f"the rules governing this dispute cannot be chosen: {exc}"), None
        flagged = file_evidence(dispute, evidence, dispute.opened_at)
        dispute.contested_lead_id = lead.lead_id if lead else None
        dispute.holder_id = lead.partner_id if lead else None
        if opened.opened_by is OpenedBy.PARTNER:
            # The trail says who the claim is against, not the claimant (who is not told: see redaction).
            holder = dispute.holder_id
            dispute.respondent_ids = [holder] if holder and holder != opened.claimant_id else []
        dispute.rule_set, dispute.rule_version = rules.id, rules.version
        dispute.workflow_id = self._settings.workflow_id(DISPUTE_WORKFLOW_KIND, dispute.dispute_id)
        dispute.status, dispute.level = DisputeStatus.FIRST_LEVEL.value, 1
        dispute.due_at = first_level_due(dispute.opened_at, rules.arbitration)
        dispute.statements_close_at = statements_until(dispute.opened_at, rules.arbitration)
        await record_step(
            tx,
            dispute,
            DisputeStep.OPENED,
            at=dispute.opened_at,
            actor=opened.claimant_id if opened.opened_by.value == "partner" else "HQ",
            summary=_opening_summary(dispute, opened),
            level=1,
            due_at=dispute.due_at,
        )
        if flagged:
            await record_step(
                tx,
                dispute,
                DisputeStep.EVIDENCE_FLAGGED,
                at=dispute.opened_at,
                actor=SYSTEM_ACTOR,
                summary="The evidence trail does not verify: " + "; ".join(evidence.check.findings),
                reason_code="chain_broken",
            )
        return None, _case(dispute, rules, _channels(evidence.bundle, dispute))


def _unsaved(opened: DisputeOpened, correlation_id: str, tx: Transaction) -> Dispute:
    return Dispute(
        dispute_id=opened.dispute_id,
        opened_by=opened.opened_by.value,
        claimant_id=opened.claimant_id,
        respondent_ids=list(opened.respondent_ids),
        lead_id=opened.lead_id,
        customer_key=opened.customer_key,
        claim=opened.claim,
        attachments=[a.model_dump() for a in opened.attachments],
        status=DisputeStatus.REFUSED.value,
        opened_at=tx.clock.now(),
        correlation_id=correlation_id,
        appealed=False,
        region=UNKNOWN_REGION,
        channel="unknown",
    )


async def _refuse(tx: Transaction, dispute: Dispute, refusal: Refusal) -> None:
    dispute.status = DisputeStatus.REFUSED.value
    dispute.refusal_code, dispute.refusal_reason = refusal.code, refusal.reason
    await record_step(
        tx,
        dispute,
        DisputeStep.REFUSED,
        at=dispute.opened_at,
        actor=SYSTEM_ACTOR,
        summary=f"Dispute refused: {refusal.reason}",
        reason_code=refusal.code,
        to=[dispute.claimant_id],
    )


async def _facts(tx: Transaction, bundle: EvidenceBundle, lead: TrailLead | None) -> tuple[str | None, str, str]:
    """Product line, channel and region of the registration a dispute is about.

    Arbitration's own record of leads.submitted first; else the registration as it stands on the trail.
    """
    if lead is None:
        return None, "unknown", UNKNOWN_REGION
    seen = await RegistrationRepository(tx.session).get(lead.lead_id)
    if seen is not None and seen.product_line:
        return seen.product_line, seen.channel or lead.channel, seen.region or UNKNOWN_REGION
    registered = next((r.content for r in bundle.records_of_lead(lead.lead_id) if r.kind == "registered"), {})
    region = UNKNOWN_REGION
    with suppress(ValidationError):
        region = region_key(CustomerIdentity.model_validate(registered.get("customer") or {}))
    return registered.get("product_line"), lead.channel, region


def _first(bundle: EvidenceBundle) -> TrailLead | None:
    return bundle.leads[0] if bundle.leads else None


def _opening_summary(dispute: Dispute, opened: DisputeOpened) -> str:
    against = ", ".join(dispute.respondent_ids) or "nobody holding it now"
    claim = opened.claim if len(opened.claim) <= 300 else opened.claim[:297] + "..."
    return (
        f"{opened.claimant_id} disputes {subject_of(opened)} against {against}: {claim} "
        f"The {dispute.region} regional reviewer rules by {dispute.due_at:%Y-%m-%d %H:%M} UTC; "
        f"the parties may add statements until {dispute.statements_close_at:%Y-%m-%d %H:%M} UTC."
    )


def _channels(bundle: EvidenceBundle, dispute: Dispute) -> dict[str, Channel]:
    """Each party's channel as its latest registration of this customer says."""
    known = {lead.partner_id: lead.channel for lead in bundle.leads if lead.channel in set(Channel)}
    return {party: Channel(known[party]) for party in dispute.parties if party in known}


def _case(dispute: Dispute, rules: RuleSet, channels: dict[str, Channel]) -> DisputeCase:
    return DisputeCase(
        dispute_id=dispute.dispute_id,
        claimant_id=dispute.claimant_id,
        respondent_ids=list(dispute.respondent_ids),
        contested_lead_id=dispute.contested_lead_id,
        holder_id=dispute.holder_id,
        region=dispute.region,
        opened_at=dispute.opened_at,
        rule_set=rules.id,
        rule_version=rules.version,
        rules=rules.arbitration,
        party_channels=channels,
    )
