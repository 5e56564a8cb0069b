"""Intake: record a registration at the system's time, ask qualification and dedup, decide, lock."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from uuid import UUID

from referee_shared.events.checks import (
    DedupOutcome,
    DedupRequested,
    DedupVerdict,
    MatchReason,
    QualificationCheckRequested,
    QualificationVerdict,
)
from referee_shared.events.envelope import Envelope
from referee_shared.events.leads import DecisionOutcome, LeadDecision, LeadSubmitted, LockChange, LockSummary
from referee_shared.outbox import Transaction, Transactions
from referee_shared.regions import region_key
from referee_shared.rules.limits import check_submission
from referee_shared.rules.rulebook import RuleBook, RuleError
from referee_shared.settings import ServiceSettings
from referee_shared.topics import DEDUP_REQUESTS, LEADS_DECISIONS, LEADS_SUBMITTED, QUALIFICATION_CHECKS

from ..domain.evidence import RecordKind
from ..domain.lifecycle import LeadStatus
from ..partners.domain import may_register
from ..partners.usecases import find_partner
from ..ports import LockScheduler
from ..store import Lead, LeadRepository, Lock
from ..workflows.models import LOCK_WORKFLOW_KIND, LockInput, lock_id_for
from .recording import (
    CONSUMER,
    SYSTEM_ACTOR,
    append_records,
    begin,
    emit_lock_change,
    iso,
    move,
    record,
    registration_content,
    sent_by,
)

log = logging.getLogger(__name__)


class Registration:
    def __init__(
        self,
        transactions: Transactions,
        rules: RuleBook,
        locks: LockScheduler,
        settings: ServiceSettings,
        *,
        partners_required: bool = False,
    ) -> None:
        self._partners_required = partners_required
        self._tx = transactions
        self._settings = settings
        self._rules = rules
        self._locks = locks

    async def submit(self, submission: LeadSubmitted) -> None:
        """A submission over HTTP goes onto leads.submitted and is received from there like any partner's:
        the broker's append time, not the request's, decides who was first."""
        async with self._tx.begin() as tx:
            await tx.emit(LEADS_SUBMITTED, str(submission.lead_id), submission)

    async def receive(self, event: Envelope[LeadSubmitted], received_at: datetime, received: bytes = b"") -> None:
        """Record a submission at the system's time and ask qualification whether the partner may register it."""
        submitted = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            leads = LeadRepository(tx.session)
            if await leads.get(submitted.lead_id) is not None:
                log.info("lead %s submitted again; the first submission stands", submitted.lead_id)
                return
            submitted_last_hour = await leads.submitted_by_since(submitted.partner_id, received_at - timedelta(hours=1))
            lead = _new_lead(submitted, received_at, event.correlation_id)
            lead.sent_by = sent_by(event, received)
            leads.add(lead)
            partner = await find_partner(tx, submitted.partner_id)
            if partner is not None:
                lead.channel = partner.channel.value  # the registry's word, never the partner's
            if partner is not None or self._partners_required:
                refusal = may_register(partner, submitted.partner_id, event.producer, lead.region)
                if refusal is not None:
                    lead.rule_set, lead.rule_version = "none", 0
                    await begin(tx, lead, actor=lead.partner_id, reason="registration received", at=received_at)
                    await _decide(tx, lead, LeadStatus.REJECTED, refusal.code, refusal.reason)
                    return
            try:
                rules = self._rules.for_product_line(submitted.product_line, received_at)
            except RuleError as exc:
                lead.rule_set, lead.rule_version = "none", 0
                await begin(tx, lead, actor=lead.partner_id, reason="registration received", at=received_at)
                await _decide(tx, lead, LeadStatus.REJECTED, "unknown_product_line", str(exc))
                return
            lead.rule_set, lead.rule_version = rules.id, rules.version
            await begin(tx, lead, actor=lead.partner_id, reason="registration received", at=received_at)
            over_limit = check_submission(
                rules.limits,
                rules.ref,
                submitted_last_hour=submitted_last_hour,
                open_locks=await leads.open_locks_of(submitted.partner_id),
            )
            if over_limit is not None:
                await _decide(tx, lead, LeadStatus.REJECTED, over_limit.reason_code, over_limit.reason)
                return
            await move(tx, lead, LeadStatus.CHECKING, actor=SYSTEM_ACTOR, reason="checking qualification")
            await tx.emit(
                QUALIFICATION_CHECKS,
                submitted.partner_id,
                QualificationCheckRequested(
                    lead_id=lead.lead_id,
                    partner_id=lead.partner_id,
                    product_line=lead.product_line,
                    region=lead.region,
                    received_at=received_at,
                ),
                correlation_id=lead.correlation_id,
            )

    async def qualification_verdict(self, event: Envelope[QualificationVerdict]) -> None:
        """A qualified partner's claim goes on to dedup; an unqualified one is refused at once (red card)."""
        verdict = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            lead = await _awaiting_verdict(tx, verdict.lead_id, (LeadStatus.CHECKING,))
            if lead is None:
                return
            if not verdict.qualified:
                await _decide(tx, lead, LeadStatus.REJECTED, verdict.reason_code, verdict.reason)
                return
            await tx.emit(
                DEDUP_REQUESTS,
                lead.region,
                DedupRequested(
                    lead_id=lead.lead_id,
                    partner_id=lead.partner_id,
                    channel=lead.channel,
                    customer=lead.customer,
                    product_line=lead.product_line,
                    estimated_amount=lead.estimated_amount,
                    received_at=lead.received_at,
                    rule_set=lead.rule_set,
                    rule_version=lead.rule_version,
                ),
                correlation_id=lead.correlation_id,
            )

    async def dedup_verdict(self, event: Envelope[DedupVerdict]) -> None:
        """Dedup had the last word on the claim: accept and lock, reject as a duplicate, or hold.

        A held lead gets a second verdict once a reviewer decided the possible duplicate.

        A unique claim's lock workflow is started first, outside any transaction, and the acceptance written
        after it: an accepted decision is never published without its running workflow, and no transaction
        waits for Temporal. A crash in between redelivers the verdict; the start joins the running workflow.
        """
        verdict = event.payload
        if verdict.outcome is DedupOutcome.UNIQUE:
            async with self._tx.begin() as tx:
                if await tx.processed(CONSUMER, event.event_id):
                    return
                lead = await _awaiting_verdict(tx, verdict.lead_id, (LeadStatus.CHECKING, LeadStatus.HELD))
                start = self._lock_start(lead, verdict.customer_key) if lead is not None else None
            if start is not None:
                await self._locks.start_lock(*start)
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            lead = await _awaiting_verdict(tx, verdict.lead_id, (LeadStatus.CHECKING, LeadStatus.HELD))
            if lead is None:
                return
            lead.customer_key = verdict.customer_key
            explanation = verdict.explanation
            if verdict.outcome is DedupOutcome.UNIQUE:
                await self._accept(tx, lead, explanation)
            elif verdict.outcome is DedupOutcome.POSSIBLE:
                if lead.status != LeadStatus.HELD:
                    await _decide(tx, lead, LeadStatus.HELD, verdict.reason_code, verdict.reason, explanation)
            elif verdict.outcome is DedupOutcome.DUPLICATE:
                # The partner learns that, and until when, the customer is protected: never by whom.
                until = verdict.protected_until
                reason = (
                    f"this customer is already protected until {until.isoformat()}"
                    if until
                    else "this customer is already registered"
                )
                await _decide(tx, lead, LeadStatus.REJECTED, "duplicate", reason, explanation, protected_until=until)
            else:
                await _decide(tx, lead, LeadStatus.REJECTED, verdict.reason_code, verdict.reason, explanation)

    def _lock_start(self, lead: Lead, customer_key: str) -> tuple[str, LockInput]:
        """The lock workflow's id and input. Everything about the lock follows from the lead, so a redelivered
        verdict starts the very same workflow (kept by USE_EXISTING) and writes the very same lock row."""
        rules = self._rules.get(lead.rule_set, lead.rule_version)
        lock_input = LockInput(
            lock_id=lock_id_for(lead.lead_id),
            lead_id=lead.lead_id,
            partner_id=lead.partner_id,
            customer_key=customer_key,
            starts_at=lead.received_at,
            expires_at=lead.received_at + timedelta(days=rules.protection.period_days),
            rule_set=rules.id,
            rule_version=rules.version,
            protection=rules.protection,
            region=lead.region,
        )
        return self._settings.workflow_id(LOCK_WORKFLOW_KIND, lead.lead_id), lock_input

    async def _accept(self, tx: Transaction, lead: Lead, explanation: list[MatchReason]) -> None:
        """Write the acceptance and its lock; the lock workflow was started before this transaction."""
        rules = self._rules.get(lead.rule_set, lead.rule_version)
        assert lead.customer_key is not None
        workflow_id, lock_input = self._lock_start(lead, lead.customer_key)
        lock = Lock(
            lock_id=lock_input.lock_id,
            lead_id=lead.lead_id,
            partner_id=lead.partner_id,
            customer_key=lead.customer_key,
            status="active",
            starts_at=lock_input.starts_at,
            expires_at=lock_input.expires_at,
            rule_set=rules.id,
            rule_version=rules.version,
            workflow_id=workflow_id,
            extensions_granted=0,
        )
        LeadRepository(tx.session).add_lock(lock)
        await _decide(
            tx,
            lead,
            LeadStatus.ACCEPTED,
            "first_valid_claim",
            f"first valid registration of this customer; protected for {rules.protection.period_days} days",
            explanation,
            lock=LockSummary(lock_id=lock.lock_id, expires_at=lock.expires_at),
        )
        await emit_lock_change(tx, lock, LockChange.GRANTED, "registration accepted")


def _new_lead(submitted: LeadSubmitted, received_at: datetime, correlation_id: str) -> Lead:
    return Lead(
        lead_id=submitted.lead_id,
        partner_id=submitted.partner_id,
        channel=submitted.channel.value,
        product_line=submitted.product_line,
        customer=submitted.customer.model_dump(mode="json"),
        customer_name=submitted.customer.name,
        region=region_key(submitted.customer),
        estimated_amount=submitted.estimated_amount,
        currency=submitted.currency,
        expected_close=submitted.expected_close,
        status=LeadStatus.SUBMITTED.value,
        received_at=received_at,
        partner_claimed_at=submitted.partner_claimed_at,
        rule_set="",
        rule_version=0,
        correlation_id=correlation_id,
    )


async def _awaiting_verdict(tx: Transaction, lead_id: UUID, statuses: tuple[LeadStatus, ...]) -> Lead | None:
    lead = await LeadRepository(tx.session).get_for_update(lead_id)
    if lead is None:
        log.warning("verdict for unknown lead %s ignored", lead_id)
        return None
    if lead.status not in statuses:
        log.info("verdict for lead %s that is already %s ignored", lead_id, lead.status)
        return None
    return lead


async def _decide(
    tx: Transaction,
    lead: Lead,
    status: LeadStatus,
    reason_code: str,
    reason: str,
    explanation: list[MatchReason] | None = None,
    *,
    lock: LockSummary | None = None,
    protected_until: datetime | None = None,
) -> None:
    first_decision = lead.status != LeadStatus.HELD
    await move(tx, lead, status, actor=SYSTEM_ACTOR, reason=reason)
    lead.reason_code, lead.reason, lead.decided_at = reason_code, reason, tx.clock.now()
    lead.protected_until = protected_until
    outcome = {
        LeadStatus.ACCEPTED: DecisionOutcome.ACCEPTED,
        LeadStatus.REJECTED: DecisionOutcome.REJECTED,
        LeadStatus.HELD: DecisionOutcome.HELD,
    }[status]
    decided = record(
        lead,
        RecordKind.DECIDED,
        actor=SYSTEM_ACTOR,
        content={
            "lead_id": str(lead.lead_id),
            "partner_id": lead.partner_id,
            "outcome": outcome.value,
            "reason_code": reason_code,
            "reason": reason,
            "lock_id": str(lock.lock_id) if lock else None,
            "expires_at": iso(lock.expires_at) if lock else None,
            "protected_until": iso(protected_until),
            "explanation": [m.model_dump(mode="json") for m in explanation or []],
        },
    )
    registered = record(lead, RecordKind.REGISTERED, actor=lead.partner_id, content=registration_content(lead))
    await append_records(tx, lead, [registered, decided] if first_decision else [decided])
    await tx.emit(
        LEADS_DECISIONS,
        str(lead.lead_id),
        LeadDecision(
            lead_id=lead.lead_id,
            partner_id=lead.partner_id,
            outcome=outcome,
            reason_code=reason_code,
            reason=reason,
            rule_set=lead.rule_set,
            rule_version=lead.rule_version,
            decided_at=lead.decided_at,
            lock=lock,
            protected_until=protected_until,
        ),
        correlation_id=lead.correlation_id,
    )
