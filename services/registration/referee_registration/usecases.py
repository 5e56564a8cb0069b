"""What the registration service does: intake, asking qualification and dedup, deciding, locking."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from referee_shared.events.checks import (
    DedupOutcome,
    DedupRequested,
    DedupVerdict,
    QualificationCheckRequested,
    QualificationVerdict,
)
from referee_shared.events.envelope import Envelope
from referee_shared.events.leads import (
    DecisionOutcome,
    LeadDecision,
    LeadSubmitted,
    LockChange,
    LockChanged,
    LockSummary,
)
from referee_shared.outbox import Transaction, Transactions
from referee_shared.regions import region_key
from referee_shared.rules.rulebook import RuleBook, RuleError
from referee_shared.settings import ServiceSettings
from referee_shared.topics import DEDUP_REQUESTS, LEADS_DECISIONS, LEADS_LOCKS, QUALIFICATION_CHECKS

from .domain.lifecycle import LeadStatus, transition
from .ports import LockScheduler
from .store import Lead, LeadRepository, Lock
from .workflows.models import LOCK_WORKFLOW_KIND, LockEnded, LockInput

log = logging.getLogger(__name__)

CONSUMER = "registration"


class Registration:
    def __init__(
        self, transactions: Transactions, rules: RuleBook, locks: LockScheduler, settings: ServiceSettings
    ) -> None:
        self._tx = transactions
        self._settings = settings
        self._rules = rules
        self._locks = locks

    async def receive(self, event: Envelope[Any], received_at: datetime) -> None:
        """Record a submission at the system's time and ask qualification whether the partner may register it."""
        submitted: LeadSubmitted = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            leads = LeadRepository(tx.session)
            if await leads.get(submitted.lead_id) is not None:
                log.info("lead %s submitted again; the first submission stands", submitted.lead_id)
                return
            lead = _new_lead(submitted, received_at, event.correlation_id)
            leads.add(lead)
            try:
                rules = self._rules.for_product_line(submitted.product_line, received_at)
            except RuleError as exc:
                lead.rule_set, lead.rule_version = "none", 0
                await _decide(tx, lead, LeadStatus.REJECTED, "unknown_product_line", str(exc))
                return
            lead.rule_set, lead.rule_version = rules.id, rules.version
            lead.status = transition(LeadStatus.SUBMITTED, LeadStatus.CHECKING)
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

    async def qualification_verdict(self, event: Envelope[Any]) -> None:
        """A qualified partner's claim goes on to dedup; an unqualified one is refused at once (red card)."""
        verdict: QualificationVerdict = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            lead = await _checking_lead(tx, verdict.lead_id)
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

    async def dedup_verdict(self, event: Envelope[Any]) -> None:
        """Dedup had the last word on the claim: accept and lock, reject as a duplicate, or hold."""
        verdict: DedupVerdict = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            lead = await _checking_lead(tx, verdict.lead_id)
            if lead is None:
                return
            lead.customer_key = verdict.customer_key
            if verdict.outcome is DedupOutcome.UNIQUE:
                await self._accept(tx, lead)
            elif verdict.outcome is DedupOutcome.POSSIBLE:
                await _decide(tx, lead, LeadStatus.HELD, verdict.reason_code, verdict.reason)
            else:
                await _decide(
                    tx,
                    lead,
                    LeadStatus.REJECTED,
                    verdict.reason_code,
                    verdict.reason,
                    protected_until=verdict.protected_until,
                )

    async def _accept(self, tx: Transaction, lead: Lead) -> None:
        rules = self._rules.get(lead.rule_set, lead.rule_version)
        assert lead.customer_key is not None
        lock = Lock(
            lock_id=uuid4(),
            lead_id=lead.lead_id,
            partner_id=lead.partner_id,
            customer_key=lead.customer_key,
            status="active",
            starts_at=lead.received_at,
            expires_at=lead.received_at + timedelta(days=rules.protection.period_days),
            rule_set=rules.id,
            rule_version=rules.version,
            workflow_id=self._settings.workflow_id(LOCK_WORKFLOW_KIND, lead.lead_id),
        )
        LeadRepository(tx.session).add_lock(lock)
        await _decide(
            tx,
            lead,
            LeadStatus.ACCEPTED,
            "first_valid_claim",
            f"first valid registration of this customer; protected for {rules.protection.period_days} days",
            lock=LockSummary(lock_id=lock.lock_id, expires_at=lock.expires_at),
        )
        await _emit_lock_change(tx, lock, LockChange.GRANTED, "registration accepted")
        # Started before the commit: if the commit fails the verdict is redelivered and the start,
        # keyed by the lead, finds the workflow already running.
        await self._locks.start_lock(
            lock.workflow_id,
            LockInput(
                lock_id=lock.lock_id,
                lead_id=lock.lead_id,
                partner_id=lock.partner_id,
                customer_key=lock.customer_key,
                starts_at=lock.starts_at,
                expires_at=lock.expires_at,
                rule_set=lock.rule_set,
                rule_version=lock.rule_version,
                protection=rules.protection,
            ),
        )

    async def end_lock(self, ended: LockEnded) -> None:
        """Record the end of a protection period (called by the lock workflow's activity); idempotent."""
        change = LockChange(ended.change)
        async with self._tx.begin() as tx:
            leads = LeadRepository(tx.session)
            lock = await leads.get_lock(ended.lock_id)
            if lock is None or lock.status != "active":
                return
            lock.status, lock.ended_at = change.value, ended.at
            lead = await leads.get_for_update(lock.lead_id)
            if lead is not None and change is LockChange.EXPIRED:
                lead.status = transition(LeadStatus(lead.status), LeadStatus.EXPIRED)
            await _emit_lock_change(tx, lock, change, ended.reason)


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


async def _checking_lead(tx: Transaction, lead_id: UUID) -> Lead | None:
    lead = await LeadRepository(tx.session).get_for_update(lead_id)
    if lead is None:
        log.warning("verdict for unknown lead %s ignored", lead_id)
        return None
    if lead.status != LeadStatus.CHECKING:
        log.info("verdict for lead %s that is already %s ignored", lead_id, lead.status)
        return None
    return lead


async def _decide(
    tx: Transaction,
    lead: Lead,
    status: LeadStatus,
    reason_code: str,
    reason: str,
    *,
    lock: LockSummary | None = None,
    protected_until: datetime | None = None,
) -> None:
    lead.status = transition(LeadStatus(lead.status), status)
    lead.reason_code, lead.reason, lead.decided_at = reason_code, reason, tx.clock.now()
    outcome = {
        LeadStatus.ACCEPTED: DecisionOutcome.ACCEPTED,
        LeadStatus.REJECTED: DecisionOutcome.REJECTED,
        LeadStatus.HELD: DecisionOutcome.HELD,
    }[status]
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


async def _emit_lock_change(tx: Transaction, lock: Lock, change: LockChange, reason: str) -> None:
    await tx.emit(
        LEADS_LOCKS,
        lock.customer_key,
        LockChanged(
            lock_id=lock.lock_id,
            lead_id=lock.lead_id,
            partner_id=lock.partner_id,
            customer_key=lock.customer_key,
            change=change,
            expires_at=lock.expires_at,
            at=tx.clock.now(),
            reason=reason,
            rule_set=lock.rule_set,
            rule_version=lock.rule_version,
        ),
    )
