"""Claims held for a reviewer: open the review, publish and close its task, apply and remember the decision."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from uuid import UUID

from referee_shared.events.checks import DedupRequested
from referee_shared.events.tasks import TaskKind
from referee_shared.outbox import Transaction, Transactions
from referee_shared.regions import region_key
from referee_shared.rules.rulebook import RuleBook
from referee_shared.rules.ruleset import RuleSet
from referee_shared.settings import ServiceSettings

from ..domain.claims import ClaimOf, Decision, Reason, ReviewAsk, Verdict
from ..domain.slices import claim_key, slice_of
from ..index_sync import IndexFollower
from ..ports import ReviewScheduler
from ..store import Customer, CustomerRepository, PairDecision, Review
from ..workflows.models import REVIEW_WORKFLOW_KIND, ReviewDecision, ReviewInput
from .records import new_customer, new_customer_key, publish, record, take_claim

REVIEW_STARTED = "dedup.review-started"
"""marks a lead whose review workflow was started after its claim's commit"""


class Reviews:
    def __init__(
        self,
        transactions: Transactions,
        rules: RuleBook,
        scheduler: ReviewScheduler,
        settings: ServiceSettings,
        follower: IndexFollower,
    ) -> None:
        self._tx = transactions
        self._rules = rules
        self._scheduler = scheduler
        self._settings = settings
        self._follower = follower

    async def open(
        self,
        tx: Transaction,
        customers: CustomerRepository,
        request: DedupRequested,
        rules: RuleSet,
        ask: ReviewAsk,
        correlation_id: str,
    ) -> ReviewInput:
        """Hold the claim for a reviewer; its review workflow is started after the claim's commit (``start``)."""
        review = _review_input(request, rules, ask)
        workflow_id = self._settings.workflow_id(REVIEW_WORKFLOW_KIND, request.lead_id)
        customers.add_review(
            Review(
                task_id=review.task_id,
                lead_id=request.lead_id,
                kind=review.kind,
                workflow_id=workflow_id,
                request=request.model_dump(mode="json"),
                candidates=[dict(c) for c in ask.candidates],
                workflow_input=review.model_dump(mode="json"),
                correlation_id=correlation_id,
                status="open",
                opened_at=tx.clock.now(),
            )
        )
        await tx.session.flush()
        return review

    async def start(self, lead_id: UUID) -> None:
        """Start the review workflow of the lead's open review, unless its start is on record; a start joins
        the workflow if it runs already (a redelivery after a crash between the commit and the start)."""
        async with self._tx.begin() as tx:
            if await tx.processed(REVIEW_STARTED, lead_id):
                return
            review = await CustomerRepository(tx.session).review_of_lead(lead_id)
            if review is None or review.status != "open" or review.workflow_input is None:
                return
            workflow_id, start = review.workflow_id, ReviewInput.model_validate(review.workflow_input)
        await self._scheduler.start_review(workflow_id, start)
        async with self._tx.begin() as tx:
            await tx.first_time(REVIEW_STARTED, lead_id)

    async def apply_review(self, decision: ReviewDecision) -> str:
        """Apply and remember a reviewer's decision, and answer the held registration; idempotent."""
        written: list[Customer] = []
        async with self._tx.begin() as tx:
            customers = CustomerRepository(tx.session)
            review = await customers.review(decision.task_id)
            if review is None or review.status != "open":
                return review.choice or "" if review is not None else "unknown task"
            request = DedupRequested.model_validate(review.request)
            await customers.lock_region(region_key(request.customer))
            await self._follower.catch_up(tx.session, tx.clock.now())
            rules = self._rules.get(request.rule_set, request.rule_version)
            now = tx.clock.now()
            review.status, review.choice, review.decided_by = "decided", decision.choice, decision.decided_by
            review.decision_reason, review.decided_at = decision.reason, now
            keys = [str(c["key"]) for c in review.candidates]
            if decision.choice in ("duplicate", "refuse"):
                outcome = await self._upheld(customers, request, review, keys, decision, now, written)
            else:
                outcome = await self._overruled(customers, request, rules, review, keys, decision, now, written)
            said = Reason("review", 1.0, f"{decision.decided_by} decided {decision.choice!r}: {decision.reason}")
            outcome = replace(outcome, explanation=(*outcome.explanation, said))
            verdict = record(request, outcome, rules, now, review_task_id=review.task_id)
            customers.add_verdict(verdict)
            await publish(tx, verdict, review.correlation_id)
        for customer in written:
            self._follower.learn(customer)
        return decision.choice

    async def _upheld(
        self,
        customers: CustomerRepository,
        request: DedupRequested,
        review: Review,
        keys: list[str],
        decision: ReviewDecision,
        now: datetime,
        written: list[Customer],
    ) -> Decision:
        target = keys[0]
        if review.kind == "possible_duplicate":
            alias = new_customer(request, now, merged_into=target)
            if not (alias.uscc and await customers.by_uscc(alias.uscc)):
                await customers.add(alias, now)
                written.append(alias)
                customers.add_decision(
                    PairDecision(
                        customer_key=alias.customer_key,
                        other_key=target,
                        relation="same",
                        task_id=review.task_id,
                        decided_by=decision.decided_by,
                        decided_at=now,
                    )
                )
        claims = [
            c
            for c in await customers.claims_of_account(target)
            if c.status == "active" and c.lead_id != request.lead_id
        ]
        until = max((c.protected_until for c in claims), default=None)
        if review.kind == "cross_region":
            return Decision(
                Verdict.REFUSED,
                target,
                "cross_region_radius",
                "a reviewer upheld the cross-region radius rule",
                matched=target,
            )
        return Decision(
            Verdict.DUPLICATE,
            target,
            "duplicate",
            "a reviewer found this is a customer already protected" + (f" until {until.isoformat()}" if until else ""),
            matched=target,
            protected_until=until,
        )

    async def _overruled(
        self,
        customers: CustomerRepository,
        request: DedupRequested,
        rules: RuleSet,
        review: Review,
        keys: list[str],
        decision: ReviewDecision,
        now: datetime,
        written: list[Customer],
    ) -> Decision:
        slice_name = slice_of(rules.dedup.slice_by, request.customer.department)
        target = ClaimOf(new_customer_key(), slice_name, new=True)
        await take_claim(customers, request, rules, target, now, written)
        if review.kind == "possible_duplicate":
            for key in keys:
                customers.add_decision(
                    PairDecision(
                        customer_key=target.account,
                        other_key=key,
                        relation="distinct",
                        task_id=review.task_id,
                        decided_by=decision.decided_by,
                        decided_at=now,
                    )
                )
        return Decision(
            Verdict.UNIQUE,
            claim_key(target.account, slice_name),
            "reviewed_distinct" if review.kind == "possible_duplicate" else "reviewed_allowed",
            f"a reviewer decided this is not the customer(s) {', '.join(keys)}",
            claim=target,
        )


def _review_input(request: DedupRequested, rules: RuleSet, ask: ReviewAsk) -> ReviewInput:
    return ReviewInput(
        task_id=f"dup-{request.lead_id}",
        lead_id=request.lead_id,
        kind=ask.kind,
        title=ask.title,
        choices=list(ask.choices),
        default_choice=ask.default_choice,
        details={
            **ask.details,
            "lead_id": str(request.lead_id),
            "rule_set": rules.ref,
            "kind": TaskKind.DUPLICATE_REVIEW,
        },
        region=region_key(request.customer),
        subject_party_ids=[request.partner_id],
        deadline_hours=rules.dedup.review_deadline_hours,
        escalation_hours=rules.dedup.escalation_deadline_hours,
    )
