"""The steps of a deal's settlement, as the settlement workflow drives them: prepare a statement,
open, remind, escalate and conclude the finance approval task, issue, withdraw and reverse.

Every step is one transaction that records its effect and queues its events (outbox), and is
idempotent: Temporal may run an activity again after its effect was committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID, uuid5

from referee_shared.events.settlements import StatementKind
from referee_shared.events.tasks import TaskKind
from referee_shared.outbox import Transaction, Transactions
from referee_shared.rules.rulebook import RuleBook, RuleError
from referee_shared.rules.ruleset import RuleSet
from referee_shared.tasks.inbox import publish, task_closed, task_opened, task_reminded
from referee_shared.topics import SETTLEMENTS_STATEMENTS

from ..domain.credit import SettlementError
from ..domain.split import Split, split_deal
from ..domain.states import DealStatus, StatementStatus
from ..records import deal_terms, line_id_for, ruling_of, statement_event, statement_id_for, task_details
from ..settings import SettlementSettings
from ..store import ApprovalTask, Deal, SettlementRepository, Statement, StatementLine
from .models import (
    APPROVE,
    SETTLEMENT_WORKFLOW_KIND,
    ConcludeRequest,
    EscalateRequest,
    IssueRequest,
    Plan,
    PlanKind,
    PrepareRequest,
    ReminderRequest,
    ReverseRequest,
    TaskRef,
    WithdrawRequest,
)


class DealNotRecorded(Exception):
    """The workflow heard of a revision before the intake's commit is visible; the activity retries."""


class Statements:
    def __init__(self, transactions: Transactions, rules: RuleBook, settings: SettlementSettings) -> None:
        self._tx = transactions
        self._rules = rules
        self._settings = settings

    async def prepare(self, request: PrepareRequest) -> Plan:
        """Compute the statement the deal's current terms call for, and keep it as a draft."""
        async with self._tx.begin() as tx:
            repo = SettlementRepository(tx.session)
            deal = await repo.deal_for_update(request.deal_id)
            if deal is None or deal.revision < request.revision:
                raise DealNotRecorded(f"deal {request.deal_id} revision {request.revision} is not recorded yet")
            if deal.status == DealStatus.REVERSED:
                return Plan(kind=PlanKind.REVERSED, deal_id=deal.deal_id, reason="the deal was reversed")
            if deal.status != DealStatus.WON:
                return Plan(kind=PlanKind.NOTHING, deal_id=deal.deal_id, reason=f"the deal is {deal.status}")
            try:
                rules = self._rules_of(deal)
                split = split_deal(
                    deal_terms(deal), rules.settlement, rules.tiers, ruling_of(await repo.ruling(deal.lead_id))
                )
            except (RuleError, SettlementError) as exc:
                deal.blocked_reason = str(exc)
                return Plan(kind=PlanKind.BLOCKED, deal_id=deal.deal_id, reason=str(exc))
            deal.blocked_reason = None
            if not split.shares:
                return Plan(kind=PlanKind.NOTHING, deal_id=deal.deal_id, reason="nothing to distribute")
            statement_id = statement_id_for(deal.deal_id, request.revision)
            if await repo.statement(statement_id) is None:
                in_force = await repo.issued_original(deal.deal_id)
                if in_force is not None and _same(await repo.lines(in_force.statement_id), split, rules):
                    return Plan(kind=PlanKind.UNCHANGED, deal_id=deal.deal_id, statement_id=in_force.statement_id)
                _record_draft(tx, repo, deal, request.revision, statement_id, split, rules)
            approval = rules.settlement
            return Plan(
                kind=PlanKind.DRAFT,
                deal_id=deal.deal_id,
                revision=request.revision,
                statement_id=statement_id,
                needs_approval=split.distributable > approval.approval_threshold,
                approver_role=self._settings.approver_role,
                approval_deadline_hours=approval.approval_deadline_hours,
                approval_reminder_hours_before=approval.approval_reminder_hours_before,
            )

    async def open_task(self, task: TaskRef) -> None:
        """Ask finance to approve the statement: a task in the shared inbox (TaskOpened)."""
        async with self._tx.begin() as tx:
            repo = SettlementRepository(tx.session)
            statement = await _statement(repo, task.statement_id)
            statement.status = StatementStatus.AWAITING_APPROVAL.value
            await self._open(tx, repo, statement, task)

    async def remind(self, request: ReminderRequest) -> None:
        """Tell the inbox a task nears its deadline (or, at the last level, has passed it)."""
        async with self._tx.begin() as tx:
            task = await SettlementRepository(tx.session).task(request.task.task_id)
            wanted = 2 if request.overdue else 1
            if task is None or task.status != "open" or task.reminders >= wanted:
                return
            task.reminders = wanted
            await publish(
                tx, task_reminded(task.task_id, due_at=task.due_at, overdue=request.overdue, at=tx.clock.now())
            )

    async def escalate(self, request: EscalateRequest) -> None:
        """No decision by the deadline: close the task as escalated and open its successor for HQ finance."""
        async with self._tx.begin() as tx:
            repo = SettlementRepository(tx.session)
            statement = await _statement(repo, request.task.statement_id)
            reason = f"no decision by {request.task.due_at.isoformat()}; escalated to HQ finance"
            await _close(tx, repo, request.task.task_id, "escalated", None, reason)
            await self._open(tx, repo, statement, request.successor)

    async def conclude(self, request: ConcludeRequest) -> None:
        """Record finance's decision on the statement and close its task."""
        async with self._tx.begin() as tx:
            repo = SettlementRepository(tx.session)
            statement = await _statement(repo, request.task.statement_id)
            if not await _close(tx, repo, request.task.task_id, request.choice, request.decided_by, request.reason):
                return
            statement.decision_reason = request.reason
            if request.choice == APPROVE:
                statement.approved_by = request.decided_by
            else:
                statement.status = StatementStatus.REJECTED.value

    async def withdraw(self, request: WithdrawRequest) -> None:
        """The deal changed before its statement was issued: drop the statement and its open task."""
        async with self._tx.begin() as tx:
            repo = SettlementRepository(tx.session)
            statement = await _statement(repo, request.statement_id)
            if statement.status in (StatementStatus.DRAFT, StatementStatus.AWAITING_APPROVAL):
                statement.status, statement.reason = StatementStatus.WITHDRAWN.value, request.reason
            if request.task is not None:
                await _close(tx, repo, request.task.task_id, "withdrawn", None, request.reason)

    async def issue(self, request: IssueRequest) -> bool:
        """Publish the statement to finance (after reversing the one it corrects); False if the deal was reversed."""
        async with self._tx.begin() as tx:
            repo = SettlementRepository(tx.session)
            statement = await _statement(repo, request.statement_id)
            if statement.status == StatementStatus.ISSUED:
                return True
            deal = await repo.deal_for_update(statement.deal_id)
            if deal is None or deal.status == DealStatus.REVERSED:
                statement.status = StatementStatus.WITHDRAWN.value
                statement.reason = "the deal was reversed before issue"
                return False
            if request.replaces_statement_id is not None:
                replaced = await _statement(repo, request.replaces_statement_id)
                if replaced.status == StatementStatus.ISSUED:
                    why = f"corrected: replaced by statement {statement.statement_id}"
                    await _reverse(tx, repo, replaced, why)
                statement.replaces_statement_id = replaced.statement_id
            statement.status, statement.issued_at = StatementStatus.ISSUED.value, tx.clock.now()
            statement.approved_by = request.approved_by
            await _publish(tx, repo, statement, deal.correlation_id)
            return True

    async def reverse(self, request: ReverseRequest) -> None:
        """Net an issued statement to zero with a reversal statement (refund or cancellation)."""
        async with self._tx.begin() as tx:
            repo = SettlementRepository(tx.session)
            statement = await _statement(repo, request.statement_id)
            if statement.status == StatementStatus.ISSUED:
                await _reverse(tx, repo, statement, request.reason)

    def _rules_of(self, deal: Deal) -> RuleSet:
        if deal.product_line is None:
            raise RuleError(f"deal {deal.deal_id} names no product line")
        return self._rules.for_product_line(deal.product_line, deal.closed_at)

    async def _open(self, tx: Transaction, repo: SettlementRepository, statement: Statement, task: TaskRef) -> None:
        if await repo.task(task.task_id) is not None:
            return
        now = tx.clock.now()
        repo.add(
            ApprovalTask(
                task_id=task.task_id,
                statement_id=statement.statement_id,
                level=task.level,
                status="open",
                opened_at=now,
                due_at=task.due_at,
            )
        )
        lines = await repo.lines(statement.statement_id)
        who = "HQ finance" if task.level > 1 else "finance"
        opened = task_opened(
            task_id=task.task_id,
            kind=TaskKind.SETTLEMENT_APPROVAL,
            title=f"{who}: approve settlement of deal {statement.deal_id}, "
            f"{statement.distributable:,.2f} {statement.currency} to {len({line.party_id for line in lines})} parties",
            role=task.role,
            level=task.level,
            workflow_id=self._settings.workflow_id(SETTLEMENT_WORKFLOW_KIND, statement.deal_id),
            choices=task.choices,
            details=task_details(statement, lines),
            due_at=task.due_at,
            subject_party_ids=sorted({line.party_id for line in lines}),
            opened_at=now,
        )
        deal = await repo.deal_for_update(statement.deal_id)
        await publish(tx, opened, correlation_id=deal.correlation_id if deal else None)


async def _statement(repo: SettlementRepository, statement_id: UUID) -> Statement:
    statement = await repo.statement_for_update(statement_id)
    if statement is None:
        raise LookupError(f"no statement {statement_id}")
    return statement


def _rule_name(rules: RuleSet, component: str) -> str:
    return f"{rules.ref}:{component}"


def _same(lines: Sequence[StatementLine], split: Split, rules: RuleSet) -> bool:
    issued = sorted((line.party_id, line.channel, line.rule, line.amount) for line in lines)
    computed = sorted(
        (s.party.party_id, s.party.channel.value, _rule_name(rules, s.component), s.amount) for s in split.shares
    )
    return issued == computed


def _record_draft(
    tx: Transaction,
    repo: SettlementRepository,
    deal: Deal,
    revision: int,
    statement_id: UUID,
    split: Split,
    rules: RuleSet,
) -> None:
    now = tx.clock.now()
    repo.add(
        Statement(
            statement_id=statement_id,
            deal_id=deal.deal_id,
            revision=revision,
            kind=StatementKind.ORIGINAL.value,
            status=StatementStatus.DRAFT.value,
            lead_id=deal.lead_id,
            currency=deal.currency,
            deal_amount=deal.amount,
            distributable=split.distributable,
            tier=split.credit.tier.name if split.credit.tier else None,
            rule_set=rules.id,
            rule_version=rules.version,
            notes=list(split.credit.notes),
            created_at=now,
        )
    )
    for position, share in enumerate(split.shares):
        repo.add(
            StatementLine(
                line_id=line_id_for(statement_id, share.component, share.party.party_id),
                statement_id=statement_id,
                position=position,
                party_id=share.party.party_id,
                channel=share.party.channel.value,
                amount=share.amount,
                rule=_rule_name(rules, share.component),
                description=share.description,
                updated_at=now,
            )
        )


async def _close(
    tx: Transaction, repo: SettlementRepository, task_id: str, outcome: str, decided_by: str | None, reason: str
) -> bool:
    task = await repo.task(task_id)
    if task is None or task.status != "open":
        return False
    task.status, task.outcome, task.closed_at = "closed", outcome, tx.clock.now()
    await publish(tx, task_closed(task_id, outcome, decided_by=decided_by, reason=reason, at=task.closed_at))
    return True


async def _reverse(tx: Transaction, repo: SettlementRepository, original: Statement, reason: str) -> None:
    reversal_id = uuid5(original.statement_id, "reversal")
    now = tx.clock.now()
    reversal = Statement(
        statement_id=reversal_id,
        deal_id=original.deal_id,
        revision=original.revision,
        kind=StatementKind.REVERSAL.value,
        status=StatementStatus.ISSUED.value,
        reverses_statement_id=original.statement_id,
        lead_id=original.lead_id,
        currency=original.currency,
        deal_amount=original.deal_amount,
        distributable=-original.distributable,
        tier=original.tier,
        rule_set=original.rule_set,
        rule_version=original.rule_version,
        notes=[],
        reason=reason,
        created_at=now,
        issued_at=now,
    )
    repo.add(reversal)
    for line in await repo.lines(original.statement_id):
        repo.add(
            StatementLine(
                line_id=uuid5(reversal_id, str(line.line_id)),
                statement_id=reversal_id,
                position=line.position,
                party_id=line.party_id,
                channel=line.channel,
                amount=-line.amount,
                rule=line.rule,
                description=f"reverses line {line.line_id}",
                reverses_line_id=line.line_id,
                updated_at=now,
            )
        )
    original.status = StatementStatus.REVERSED.value
    await tx.session.flush()
    deal = await repo.deal_for_update(original.deal_id)
    await _publish(tx, repo, reversal, deal.correlation_id if deal else None)


async def _publish(
    tx: Transaction, repo: SettlementRepository, statement: Statement, correlation_id: str | None
) -> None:
    assert statement.issued_at is not None
    lines = await repo.lines(statement.statement_id)
    event = statement_event(statement, lines)
    await tx.emit(SETTLEMENTS_STATEMENTS, statement.deal_id, event, correlation_id=correlation_id or None)
