"""What a decision writes, for claims and reviews alike: a new customer, the claim, the verdict and its event."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

from referee_shared.events.checks import DedupOutcome, DedupRequested, DedupVerdict, MatchReason
from referee_shared.outbox import Transaction
from referee_shared.regions import region_key
from referee_shared.rules.ruleset import RuleSet
from referee_shared.topics import DEDUP_VERDICTS

from ..domain.claims import ClaimOf, Decision
from ..domain.normalize import name_key, phone_key
from ..domain.slices import claim_key
from ..domain.tiers import tier_for
from ..store import Claim, Customer, CustomerRepository, VerdictRecord

CONSUMER = "dedup"


def new_customer_key() -> str:
    return f"cust-{uuid4()}"


def new_customer(
    request: DedupRequested, now: datetime, *, key: str | None = None, merged_into: str | None = None
) -> Customer:
    identity = request.customer
    location = identity.location
    return Customer(
        customer_key=key or new_customer_key(),
        name=identity.name,
        name_key=name_key(identity.name),
        uscc=None if merged_into else identity.uscc,
        phone=phone_key(identity.phone),
        region=region_key(identity),
        identity=identity.model_dump(mode="json"),
        created_at=now,
        lat=location.lat if location else None,
        lon=location.lon if location else None,
        merged_into=merged_into,
        tags={"industry": identity.industry, "size": identity.size},
    )


async def take_claim(
    customers: CustomerRepository,
    request: DedupRequested,
    rules: RuleSet,
    target: ClaimOf,
    now: datetime,
    written: list[Customer],
) -> None:
    """Write the customer if it is new, and make the request's lead the holder of the claim."""
    if target.new:
        customer = new_customer(request, now, key=target.account)
        await customers.add(customer, now)
        written.append(customer)
    key = claim_key(target.account, target.slice)
    claim = await customers.claim(key)
    if claim is None:
        claim = Claim(customer_key=key, account_key=target.account, slice=target.slice)
        customers.add_claim(claim)
    claim.lead_id, claim.partner_id, claim.status = request.lead_id, request.partner_id, "active"
    claim.protected_until = request.received_at + timedelta(days=rules.protection.period_days)
    claim.claimed_at = now


def record(
    request: DedupRequested, decision: Decision, rules: RuleSet, now: datetime, *, review_task_id: str | None
) -> VerdictRecord:
    tier = tier_for(rules.tiers, request.estimated_amount)
    return VerdictRecord(
        lead_id=request.lead_id,
        partner_id=request.partner_id,
        outcome=decision.verdict.value,
        customer_key=decision.customer_key,
        matched_customer_key=decision.matched,
        reason_code=decision.code,
        reason=decision.reason,
        explanation=[
            MatchReason(field=r.field, score=r.score, detail=r.detail).model_dump() for r in decision.explanation
        ],
        rule_set=request.rule_set,
        rule_version=request.rule_version,
        decided_at=now,
        protected_until=decision.protected_until,
        tier=tier.name if tier else None,
        review_task_id=review_task_id,
    )


async def publish(tx: Transaction, verdict: VerdictRecord, correlation_id: str) -> None:
    await tx.emit(
        DEDUP_VERDICTS,
        str(verdict.lead_id),
        DedupVerdict(
            lead_id=verdict.lead_id,
            outcome=DedupOutcome(verdict.outcome),
            customer_key=verdict.customer_key,
            matched_customer_key=verdict.matched_customer_key,
            protected_until=verdict.protected_until,
            reason_code=verdict.reason_code,
            reason=verdict.reason,
            explanation=[MatchReason.model_validate(r) for r in verdict.explanation],
            rule_set=verdict.rule_set,
            rule_version=verdict.rule_version,
            tier=verdict.tier,
            review_task_id=verdict.review_task_id,
        ),
        correlation_id=correlation_id,
    )
