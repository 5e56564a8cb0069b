"""What dedup does: decide each claim on a customer in log order, and follow the locks' lifecycle."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from referee_shared.events.checks import DedupOutcome, DedupRequested, DedupVerdict, MatchReason
from referee_shared.events.envelope import Envelope
from referee_shared.events.leads import LockChange, LockChanged
from referee_shared.outbox import Transaction, Transactions
from referee_shared.regions import region_key
from referee_shared.rules.rulebook import RuleBook
from referee_shared.topics import DEDUP_VERDICTS

from .domain.normalize import name_key, phone_key
from .store import Claim, Customer, CustomerRepository, Verdict

CONSUMER = "dedup"


class Dedup:
    def __init__(self, transactions: Transactions, rules: RuleBook) -> None:
        self._tx = transactions
        self._rules = rules

    async def check(self, event: Envelope[Any]) -> None:
        """Match the claimed customer; the first live claim on a customer wins it."""
        request: DedupRequested = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            customers = CustomerRepository(tx.session)
            earlier = await customers.verdict(request.lead_id)
            if earlier is not None:
                await _publish(tx, earlier, event.correlation_id)
                return
            match, reasons = await _exact_match(customers, request)
            rules = self._rules.get(request.rule_set, request.rule_version)
            protected_until = request.received_at + timedelta(days=rules.protection.period_days)
            if match is None:
                match = _new_customer(request, tx.clock.now())
                customers.add(match)
                await tx.session.flush()
            claim = await customers.claim(match.customer_key)
            if claim is not None and claim.status == "active" and claim.lead_id != request.lead_id:
                verdict = _verdict(
                    request,
                    DedupOutcome.DUPLICATE,
                    match.customer_key,
                    reasons,
                    tx.clock.now(),
                    code="duplicate",
                    reason=f"this customer is already protected until {claim.protected_until.isoformat()}",
                )
                verdict_until = claim.protected_until
            else:
                if claim is None:
                    claim = Claim(customer_key=match.customer_key)
                    customers.add_claim(claim)
                claim.lead_id, claim.partner_id, claim.status = request.lead_id, request.partner_id, "active"
                claim.protected_until, claim.claimed_at = protected_until, tx.clock.now()
                verdict = _verdict(
                    request,
                    DedupOutcome.UNIQUE,
                    match.customer_key,
                    reasons,
                    tx.clock.now(),
                    code="unique" if not reasons else "known_customer_unprotected",
                    reason="no live registration of this customer",
                )
                verdict_until = None
            customers.add_verdict(verdict)
            await _publish(tx, verdict, event.correlation_id, protected_until=verdict_until)

    async def lock_changed(self, event: Envelope[Any]) -> None:
        """Keep claims in step with the locks: expiry and release free the customer for others."""
        change: LockChanged = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            claim = await CustomerRepository(tx.session).claim(change.customer_key)
            if claim is None or claim.lead_id != change.lead_id:
                return
            if change.change in (LockChange.EXPIRED, LockChange.RELEASED):
                claim.status = "released"
            elif change.change in (LockChange.GRANTED, LockChange.EXTENDED):
                claim.protected_until = change.expires_at
            elif change.change is LockChange.COMPLETED:
                claim.status = "completed"


async def _exact_match(
    customers: CustomerRepository, request: DedupRequested
) -> tuple[Customer | None, list[MatchReason]]:
    identity = request.customer
    if identity.uscc and (found := await customers.by_uscc(identity.uscc)):
        return found, [MatchReason(field="uscc", score=1.0, detail="same unified social credit code")]
    phone = phone_key(identity.phone)
    if phone and (found := await customers.by_phone(phone)):
        return found, [MatchReason(field="phone", score=1.0, detail=f"same phone {phone}")]
    key = name_key(identity.name)
    if found := await customers.by_name_key(key):
        return found, [MatchReason(field="name", score=1.0, detail=f"same normalised name {key!r}")]
    return None, []


def _new_customer(request: DedupRequested, now: datetime) -> Customer:
    identity = request.customer
    return Customer(
        customer_key=f"cust-{uuid4()}",
        name=identity.name,
        name_key=name_key(identity.name),
        uscc=identity.uscc,
        phone=phone_key(identity.phone),
        region=region_key(identity),
        identity=identity.model_dump(mode="json"),
        created_at=now,
    )


def _verdict(
    request: DedupRequested,
    outcome: DedupOutcome,
    customer_key: str,
    reasons: list[MatchReason],
    now: datetime,
    *,
    code: str,
    reason: str,
) -> Verdict:
    return Verdict(
        lead_id=request.lead_id,
        partner_id=request.partner_id,
        outcome=outcome.value,
        customer_key=customer_key,
        matched_customer_key=customer_key if reasons else None,
        reason_code=code,
        reason=reason,
        explanation=[r.model_dump() for r in reasons],
        rule_set=request.rule_set,
        rule_version=request.rule_version,
        decided_at=now,
    )


async def _publish(
    tx: Transaction, verdict: Verdict, correlation_id: str, *, protected_until: datetime | None = None
) -> None:
    await tx.emit(
        DEDUP_VERDICTS,
        str(verdict.lead_id),
        DedupVerdict(
            lead_id=verdict.lead_id,
            outcome=DedupOutcome(verdict.outcome),
            customer_key=verdict.customer_key,
            matched_customer_key=verdict.matched_customer_key,
            protected_until=protected_until,
            reason_code=verdict.reason_code,
            reason=verdict.reason,
            explanation=[MatchReason.model_validate(r) for r in verdict.explanation],
            rule_set=verdict.rule_set,
            rule_version=verdict.rule_version,
        ),
        correlation_id=correlation_id,
    )
