"""Folding the public events into the figures' read model: one short transaction per event.

Each event updates the fact row of its lead, dispute or task (created if it is the first word of it),
then adds whatever counts the facts now complete (``measures.py``). The processed-events guard makes
a redelivered event a no-op, so the live consumer and a rebuild from offset 0 reach the same tables.
"""

from __future__ import annotations

from decimal import Decimal

from referee_shared.events.deals import DealClosed, DealOutcome
from referee_shared.events.disputes import DisputeOpened, DisputeProgressed, DisputeStep
from referee_shared.events.envelope import Envelope
from referee_shared.events.leads import DecisionOutcome, LeadActivity, LeadDecision, LeadTransitioned
from referee_shared.events.tasks import TaskClosed, TaskKind, TaskOpened
from referee_shared.outbox import Transactions

from .measures import UNKNOWN, Count, Dims, DisputeFacts, Measure, dispute_counts, lead_counts, task_counts
from .store import FigureDispute, FigureStore, save

FIGURES = "registration.figures"
"""Processed-events consumer name of the fold (the rebuild clears its rows with the read model)."""

CLOSING = {"won": True, "lost": False}
FOLLOWED = frozenset({"contacted", "qualified", "proposal", "negotiation", "won", "lost"})


class FigureFold:
    def __init__(self, transactions: Transactions, *, large_amount: Decimal) -> None:
        self._tx = transactions
        self._large = large_amount

    async def transition(self, event: Envelope[LeadTransitioned]) -> None:
        move = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(FIGURES, event.event_id):
                return
            store = FigureStore(tx.session)
            row, facts = await store.lead(str(move.lead_id))
            facts.partner, facts.channel = move.partner_id, move.channel.value
            facts.rule_ref = f"{move.rule_set}@{move.rule_version}"
            facts.region = move.region or facts.region
            facts.customer_key = move.customer_key or facts.customer_key
            if move.from_status is None and (facts.submitted_at is None or move.at < facts.submitted_at):
                facts.submitted_at = move.at
            if move.to_status in ("accepted", "rejected") and facts.decided_at is None:
                facts.decided_at, facts.outcome = move.at, move.to_status
            if move.to_status in FOLLOWED:
                facts.followed_up = True
            if move.to_status in CLOSING:
                facts.closed_at, facts.won = move.at, CLOSING[move.to_status]
            if move.to_status == "expired" and move.from_status == "accepted":
                facts.expired_at = move.at
            counts = lead_counts(facts, large_amount=self._large)
            save(row, facts)
            await store.add(counts)
            dims = facts.dims()
            first = move.to_status == "accepted" and facts.customer_key and dims
            if first and dims and facts.customer_key and await store.first_customer(facts.customer_key, dims, move.at):
                await store.add([Count(Measure.CUSTOMERS_REGISTERED, move.at, dims)])

    async def decision(self, event: Envelope[LeadDecision]) -> None:
        decision = event.payload
        if decision.outcome is DecisionOutcome.HELD:
            return
        await self._update_lead(event, str(decision.lead_id), reason_code=decision.reason_code)

    async def activity(self, event: Envelope[LeadActivity]) -> None:
        await self._update_lead(event, str(event.payload.lead_id), activity_by=event.payload.partner_id)

    async def deal(self, event: Envelope[DealClosed]) -> None:
        deal = event.payload
        await self._update_lead(event, str(deal.lead_id), deal_amount=deal.amount, won=deal.outcome is DealOutcome.WON)

    async def _update_lead(
        self,
        event: Envelope[LeadDecision] | Envelope[LeadActivity] | Envelope[DealClosed],
        lead_id: str,
        *,
        reason_code: str | None = None,
        activity_by: str | None = None,
        deal_amount: Decimal | None = None,
        won: bool | None = None,
    ) -> None:
        async with self._tx.begin() as tx:
            if not await tx.first_time(FIGURES, event.event_id):
                return
            store = FigureStore(tx.session)
            row, facts = await store.lead(lead_id)
            if reason_code is not None and facts.reason_code is None:
                facts.reason_code = reason_code
            if activity_by is not None and facts.partner in (None, activity_by):
                facts.followed_up = True
            if deal_amount is not None and facts.deal_amount is None:
                facts.deal_amount, facts.won = deal_amount, won if facts.won is None else facts.won
            counts = lead_counts(facts, large_amount=self._large)
            save(row, facts)
            await store.add(counts)

    async def dispute_opened(self, event: Envelope[DisputeOpened]) -> None:
        opened = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(FIGURES, event.event_id):
                return
            store = FigureStore(tx.session)
            row, facts = await store.dispute(str(opened.dispute_id))
            facts.lead_id = facts.lead_id or (str(opened.lead_id) if opened.lead_id else None)
            facts.customer_key = facts.customer_key or opened.customer_key
            await self._count_dispute(store, row, facts)

    async def dispute_progressed(self, event: Envelope[DisputeProgressed]) -> None:
        step = event.payload
        if step.step not in (DisputeStep.OPENED, DisputeStep.RULED, DisputeStep.APPEAL_WINDOW_CLOSED):
            return
        async with self._tx.begin() as tx:
            if not await tx.first_time(FIGURES, event.event_id):
                return
            store = FigureStore(tx.session)
            row, facts = await store.dispute(str(step.dispute_id))
            if step.step is DisputeStep.OPENED:
                facts.opened_at = step.at
            if step.step is DisputeStep.RULED and facts.first_ruled_at is None:
                facts.first_ruled_at = step.at
            if (step.step is DisputeStep.RULED and step.final) or step.step is DisputeStep.APPEAL_WINDOW_CLOSED:
                facts.final_at = facts.final_at or step.at
            await self._count_dispute(store, row, facts)

    async def _count_dispute(self, store: FigureStore, row: FigureDispute, facts: DisputeFacts) -> None:
        lead = await store.lead_facts(facts.lead_id) if facts.lead_id else None
        customer_key = facts.customer_key or (lead.customer_key if lead else None)
        customer = await store.customer(customer_key) if customer_key else None
        owner = (
            Dims(customer.partner, customer.region, customer.channel, customer.rule_ref)
            if customer is not None
            else None
        )
        dims = lead.dims() if lead else None
        counts = dispute_counts(facts, dims if dims is not None else owner)
        save(row, facts)
        if customer is not None and owner is not None and customer.disputed_at is None and facts.opened_at is not None:
            customer.disputed_at = facts.opened_at
            counts.append(Count(Measure.CUSTOMERS_DISPUTED, facts.opened_at, owner))
        await store.add(counts)

    async def task_opened(self, event: Envelope[TaskOpened]) -> None:
        task = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(FIGURES, event.event_id):
                return
            store = FigureStore(tx.session)
            row, facts = await store.task(task.task_id)
            facts.opened, facts.due_at, facts.region = True, task.due_at, task.region
            facts.partner = task.subject_party_ids[0] if task.subject_party_ids else UNKNOWN
            counts = task_counts(facts)
            save(row, facts)
            await store.add(counts)
            contested = task.details.get("contested_lead_id") if task.kind is TaskKind.DISPUTE_REVIEW else None
            if isinstance(contested, str) and isinstance(dispute_id := task.details.get("dispute_id"), str):
                # A dispute opened over HTTP never passes disputes.opened: its review task names the
                # registration it contests, whose partner, region and channel the dispute is counted in.
                dispute_row, dispute = await store.dispute(dispute_id)
                dispute.lead_id = contested
                await self._count_dispute(store, dispute_row, dispute)

    async def task_closed(self, event: Envelope[TaskClosed]) -> None:
        task = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(FIGURES, event.event_id):
                return
            store = FigureStore(tx.session)
            row, facts = await store.task(task.task_id)
            facts.closed_at, facts.outcome = task.closed_at, task.outcome
            counts = task_counts(facts)
            save(row, facts)
            await store.add(counts)
