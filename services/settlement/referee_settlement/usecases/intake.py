"""What settlement takes in: closed and reversed deals, arbitration rulings, and finance's payment reports.

A deal is settled by its workflow (see ``statements.py``); intake records what arrived, decides whether
it changes anything, and tells the workflow. Input that can never be settled is refused with the reason.
"""

from __future__ import annotations

import hashlib
import logging
from decimal import Decimal
from uuid import UUID

from referee_shared.events.deals import DealClosed, DealOutcome, DealReversed
from referee_shared.events.disputes import DisputeRuling, RulingOutcome
from referee_shared.events.envelope import Envelope, carries
from referee_shared.events.settlements import PaymentFlagged, PaymentRetryRequested, PaymentStatus, SettlementPayment
from referee_shared.kafka.consumer import Unprocessable
from referee_shared.outbox import Transaction, Transactions
from referee_shared.rules.rulebook import RuleBook, RuleError
from referee_shared.topics import SETTLEMENTS_STATEMENTS

from ..domain import payments
from ..domain.credit import SettlementError
from ..domain.payments import Action, LinePayment, LineStatus, PaymentRefused
from ..domain.split import split_deal
from ..domain.states import DealStatus, StatementStatus
from ..ports import SettlementWorkflows
from ..records import deal_terms
from ..store import CreditRuling, Deal, PaymentReport, SettlementRepository, Statement, StatementLine
from .holders import check_deal
from .trusted import check_channels, check_ruling

log = logging.getLogger(__name__)

CONSUMER = "settlement"
TOLD = "settlement.told"
"""marks an event whose workflow calls were made after its commit, so a redelivery does not make them again"""


class Settlement:
    def __init__(
        self,
        transactions: Transactions,
        rules: RuleBook,
        workflows: SettlementWorkflows,
        *,
        cross_checks: bool = False,
    ) -> None:
        self._tx = transactions
        self._rules = rules
        self._workflows = workflows
        self._cross_checks = cross_checks

    async def deal_event(self, event: Envelope[DealClosed | DealReversed]) -> None:
        if carries(event, DealClosed):
            await self.closed(event)
        elif carries(event, DealReversed):
            await self.reversed(event)

    async def closed(self, event: Envelope[DealClosed]) -> None:
        """A deal closed: record it; a won deal (or a change to one) goes to its settlement workflow.

        The workflow is told after the commit (it reads the revision it is told of from the committed deal);
        a crash in between redelivers the event, which tells it then (a revision it knows changes nothing).
        """
        closed = event.payload
        deal_row = _deal_row(closed, event.correlation_id)
        if closed.outcome is DealOutcome.WON:
            self._check_settleable(deal_row)
        async with self._tx.begin() as tx:
            repo = SettlementRepository(tx.session)
            if await tx.first_time(CONSUMER, event.event_id):
                if self._cross_checks:
                    await check_deal(repo, closed)
                    await check_channels(repo, closed)
                tell = await self._record_closed(tx, repo, deal_row)
            elif await tx.processed(TOLD, event.event_id):
                return
            else:
                tell = _revision_to_tell(await repo.deal(closed.deal_id), "deal closed")
        if tell is not None:
            await self._workflows.revise(*tell)
            await self._told(event.event_id)

    async def _record_closed(
        self, tx: Transaction, repo: SettlementRepository, deal_row: Deal
    ) -> tuple[str, int, str] | None:
        deal = await repo.deal_for_update(deal_row.deal_id)
        if deal is None:
            deal_row.received_at = tx.clock.now()
            repo.add(deal_row)
            deal = deal_row
            reason = "deal closed"
        elif deal.digest == deal_row.digest:
            log.info("deal %s reported again with the same terms; settled once", deal_row.deal_id)
            return None
        elif deal.status == DealStatus.REVERSED:
            raise Unprocessable(f"deal {deal_row.deal_id} was reversed; a reversed deal is not reopened")
        else:
            _take_terms(deal, deal_row)
            deal.revision += 1
            reason = "deal terms corrected"
        if deal.status == DealStatus.WON or deal.workflow_id is not None:
            deal.workflow_id = self._workflows.workflow_id(deal.deal_id)
        return _revision_to_tell(deal, reason)

    async def reversed(self, event: Envelope[DealReversed]) -> None:
        """A refund or cancellation: the deal's issued statement is netted to zero by its workflow (told after
        the commit; a redelivery tells it again, which a reversed workflow ignores)."""
        reversal = event.payload
        async with self._tx.begin() as tx:
            repo = SettlementRepository(tx.session)
            if await tx.processed(TOLD, event.event_id):
                return
            if not await tx.first_time(CONSUMER, event.event_id):
                deal = await repo.deal(reversal.deal_id)
            else:
                deal = await repo.deal_for_update(reversal.deal_id)
                if deal is None:
                    raise Unprocessable(f"no closed deal {reversal.deal_id} to reverse")
                if deal.status == DealStatus.REVERSED:
                    return
                if deal.status == DealStatus.LOST:
                    raise Unprocessable(f"deal {reversal.deal_id} was lost: there is nothing to reverse")
                deal.status = DealStatus.REVERSED.value
                deal.reversal_kind, deal.reversal_reason, deal.reversed_at = (
                    reversal.kind.value,
                    reversal.reason,
                    reversal.reversed_at,
                )
            tell = None
            if deal is not None and deal.status == DealStatus.REVERSED and deal.workflow_id is not None:
                kind, why = deal.reversal_kind or reversal.kind.value, deal.reversal_reason or reversal.reason
                tell = (deal.deal_id, deal.revision, kind, why)
        if tell is not None:
            await self._workflows.reverse(*tell)
            await self._told(event.event_id)

    async def ruling(self, event: Envelope[DisputeRuling]) -> None:
        """Arbitration ruled on a lead: its deals are settled again under the ruling (their workflows told after
        the commit; a redelivery tells them again)."""
        ruling = event.payload
        if ruling.lead_id is None:
            return
        _check_ruling(ruling)
        reason = f"ruling {ruling.dispute_id}: {ruling.outcome.value}"
        async with self._tx.begin() as tx:
            repo = SettlementRepository(tx.session)
            if await tx.processed(TOLD, event.event_id):
                return
            first = await tx.first_time(CONSUMER, event.event_id)
            if first and self._cross_checks:
                await check_ruling(repo, ruling)
            if first and not await self._record_ruling(tx, repo, ruling):
                return
            deals = await repo.deals_of_lead_for_update(ruling.lead_id)
            tells = [tell for deal in deals if (tell := _revision_to_tell(deal, reason)) is not None]
        for tell in tells:
            await self._workflows.revise(*tell)
        await self._told(event.event_id)

    async def _told(self, event_id: UUID) -> None:
        async with self._tx.begin() as tx:
            await tx.first_time(TOLD, event_id)

    async def _record_ruling(self, tx: Transaction, repo: SettlementRepository, ruling: DisputeRuling) -> bool:
        """Record the ruling and raise the revision of the lead's won deals; False when a later ruling stands."""
        assert ruling.lead_id is not None
        known = await repo.ruling(ruling.lead_id)
        if known is not None and known.decided_at > ruling.decided_at:
            return False
        if known is None:
            known = CreditRuling(lead_id=ruling.lead_id)
            repo.add(known)
        _take_ruling(known, ruling, tx)
        for deal in await repo.deals_of_lead_for_update(ruling.lead_id):
            if deal.status != DealStatus.WON:
                continue
            deal.revision += 1
            deal.workflow_id = self._workflows.workflow_id(deal.deal_id)
        return True

    async def payment(self, event: Envelope[SettlementPayment]) -> None:
        """Finance paid a line, or could not: retry it per rule, then flag it."""
        report = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            repo = SettlementRepository(tx.session)
            if await repo.payment_report(report.payment_id) is not None:
                return
            line = await repo.line_for_update(report.line_id)
            statement = await repo.statement(report.statement_id)
            if line is None or statement is None or line.statement_id != report.statement_id:
                raise Unprocessable(f"statement {report.statement_id} has no line {report.line_id}")
            if statement.status not in (StatementStatus.ISSUED, StatementStatus.REVERSED):
                raise Unprocessable(f"statement {report.statement_id} was never issued to finance")
            deal = await repo.deal(statement.deal_id)
            try:
                await self._apply(tx, line, statement, report, deal.correlation_id if deal else None)
            except PaymentRefused as exc:
                raise Unprocessable(f"payment {report.payment_id} on line {report.line_id}: {exc.reason}") from exc
            repo.add(_payment_row(report, tx))

    async def _apply(
        self,
        tx: Transaction,
        line: StatementLine,
        statement: Statement,
        report: SettlementPayment,
        correlation_id: str | None,
    ) -> None:
        state = LinePayment(LineStatus(line.status), line.failures)
        max_retries = self._rules.get(statement.rule_set, statement.rule_version).settlement.payment_max_retries
        if report.status is PaymentStatus.PAID:
            step = payments.paid(state, due=line.amount, reported=report.amount)
            line.payment_reference = report.reference or report.payment_id
        else:
            step = payments.failed(state, max_retries=max_retries)
            line.last_failure_reason = report.failure_reason
        line.status, line.failures, line.updated_at = step.line.status.value, step.line.failures, tx.clock.now()
        if step.action is Action.RETRY:
            retry = PaymentRetryRequested(
                statement_id=statement.statement_id,
                line_id=line.line_id,
                party_id=line.party_id,
                amount=line.amount,
                attempt=step.next_attempt,
                max_attempts=max_retries + 1,
                last_failure_reason=report.failure_reason,
                requested_at=tx.clock.now(),
            )
            await tx.emit(SETTLEMENTS_STATEMENTS, statement.deal_id, retry, correlation_id=correlation_id)
        elif step.action is Action.FLAG:
            flagged = PaymentFlagged(
                statement_id=statement.statement_id,
                line_id=line.line_id,
                party_id=line.party_id,
                amount=line.amount,
                attempts=step.line.failures,
                last_failure_reason=report.failure_reason,
                flagged_at=tx.clock.now(),
            )
            await tx.emit(SETTLEMENTS_STATEMENTS, statement.deal_id, flagged, correlation_id=correlation_id)

    def _check_settleable(self, deal: Deal) -> None:
        missing = [name for name in ("product_line", "owner_id", "owner_channel") if getattr(deal, name) is None]
        if missing:
            raise Unprocessable(f"won deal {deal.deal_id} cannot be settled without {', '.join(missing)}")
        assert deal.product_line is not None
        try:
            rules = self._rules.for_product_line(deal.product_line, deal.closed_at)
            split_deal(deal_terms(deal), rules.settlement, rules.tiers)
        except (RuleError, SettlementError) as exc:
            raise Unprocessable(f"won deal {deal.deal_id} cannot be settled: {exc}") from exc


def _revision_to_tell(deal: Deal | None, reason: str) -> tuple[str, int, str] | None:
    """What the deal's workflow is told after the commit: its current revision, if it has a workflow and is won."""
    if deal is None or deal.workflow_id is None or deal.status != DealStatus.WON:
        return None
    return deal.deal_id, deal.revision, reason


def _deal_row(closed: DealClosed, correlation_id: str) -> Deal:
    return Deal(
        deal_id=closed.deal_id,
        lead_id=closed.lead_id,
        outcome=closed.outcome.value,
        amount=closed.amount,
        currency=closed.currency,
        closed_at=closed.closed_at,
        contributors=[c.model_dump(mode="json") for c in closed.contributors],
        product_line=closed.product_line,
        owner_id=closed.owner_id,
        owner_channel=closed.owner_channel.value if closed.owner_channel else None,
        digest=hashlib.sha256(closed.model_dump_json().encode()).hexdigest(),
        revision=1,
        status=(DealStatus.WON if closed.outcome is DealOutcome.WON else DealStatus.LOST).value,
        correlation_id=correlation_id,
    )


def _take_terms(deal: Deal, terms: Deal) -> None:
    for name in ("lead_id", "outcome", "amount", "currency", "closed_at", "contributors", "product_line"):
        setattr(deal, name, getattr(terms, name))
    deal.owner_id, deal.owner_channel, deal.digest, deal.status = (
        terms.owner_id,
        terms.owner_channel,
        terms.digest,
        terms.status,
    )


def _check_ruling(ruling: DisputeRuling) -> None:
    if ruling.outcome is RulingOutcome.SHARED:
        total = sum((share.ratio for share in ruling.shares), Decimal(0))
        if not ruling.shares or total != 1:
            raise Unprocessable(f"ruling {ruling.dispute_id} shares credit in ratios summing to {total}, not 1")
    if ruling.outcome is RulingOutcome.TRANSFERRED and not ruling.new_holder_id:
        raise Unprocessable(f"ruling {ruling.dispute_id} transfers the lead but names no new holder")


def _take_ruling(row: CreditRuling, ruling: DisputeRuling, tx: Transaction) -> None:
    row.dispute_id, row.outcome, row.decided_at = ruling.dispute_id, ruling.outcome.value, ruling.decided_at
    row.new_holder_id = ruling.new_holder_id
    row.new_holder_channel = ruling.new_holder_channel.value if ruling.new_holder_channel else None
    row.shares = [share.model_dump(mode="json") for share in ruling.shares]
    row.received_at = tx.clock.now()


def _payment_row(report: SettlementPayment, tx: Transaction) -> PaymentReport:
    return PaymentReport(
        payment_id=report.payment_id,
        statement_id=report.statement_id,
        line_id=report.line_id,
        status=report.status.value,
        amount=report.amount,
        reference=report.reference,
        failure_reason=report.failure_reason,
        reported_at=report.reported_at,
        received_at=tx.clock.now(),
    )
