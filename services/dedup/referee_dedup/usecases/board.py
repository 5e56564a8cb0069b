"""The demand board's write side: a partner's procurement plans and visits on a shared account, and the
flag when two partners' visits to one contact collide within the rule's window.

Dedup owns the board because it alone knows what the board is read through: which customer an account
is (aliases, slices), its region, and which partners hold its slices and claims right now. Another
service would need a copy of all three, and a stale copy would show a partner a board it lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from referee_shared.events.board import (
    BoardChange,
    BoardChanged,
    ProcurementPlanReported,
    VisitReported,
    VisitStatus,
)
from referee_shared.outbox import Transaction, Transactions
from referee_shared.rules.dedup import SliceBy
from referee_shared.rules.rulebook import RuleBook, RuleError
from referee_shared.rules.ruleset import RuleSet
from referee_shared.topics import BOARD_CHANGES

from ..board_store import BoardPlan, BoardRepository, BoardVisit
from ..domain.board import VisitEntry, clashes, contact_key, may_post
from ..domain.slices import slice_of
from ..ports import ReviewScheduler
from ..workflows.models import ClashReviewInput

CONSUMER = "dedup.board"
CLASH_REVIEW_KIND = "visit-clash"


class NotOnBoard(Exception):
    """No such account, or the partner holds no slice or claim of it: to the partner, the same thing."""


class BoardRefused(Exception):
    """Input no retry can fix (an id another partner used, a product line no rule set governs)."""


@dataclass(frozen=True)
class Recorded:
    account_key: str
    subject_id: UUID
    changes: tuple[BoardChange, ...]


class BoardPosts:
    def __init__(self, transactions: Transactions, rules: RuleBook, reviews: ReviewScheduler) -> None:
        self._tx = transactions
        self._rules = rules
        self._reviews = reviews

    async def report_plan(
        self, event_id: UUID, plan: ProcurementPlanReported, *, at: datetime, correlation_id: str | None = None
    ) -> Recorded:
        """Put a partner's plan on the account's board; the same plan id again changes nothing."""
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event_id):
                return Recorded(plan.customer_key, plan.plan_id, ())
            board = BoardRepository(tx.session)
            account_key, holders = await self._entitled(board, plan.customer_key, plan.partner_id)
            rules = self._rules_for(plan.product_line, at)
            existing = await board.plan(plan.plan_id)
            if existing is not None:
                if existing.partner_id != plan.partner_id:
                    raise BoardRefused(f"plan id {plan.plan_id} is another partner's; choose a new id")
                return Recorded(account_key, plan.plan_id, ())
            slice_name = _slice(plan.department, holders)
            board.add(
                BoardPlan(
                    plan_id=plan.plan_id,
                    account_key=account_key,
                    slice=slice_name,
                    partner_id=plan.partner_id,
                    product_line=plan.product_line,
                    item=plan.item,
                    estimated_amount=plan.estimated_amount,
                    currency=plan.currency,
                    expected_on=plan.expected_on,
                    source=plan.source.value,
                    notes=plan.notes,
                    recorded_at=at,
                    rule_set=rules.id,
                    rule_version=rules.version,
                )
            )
            change = BoardChanged(
                customer_key=account_key,
                change=BoardChange.PLAN_ADDED,
                partner_id=plan.partner_id,
                subject_id=plan.plan_id,
                slice=slice_name,
                product_line=plan.product_line,
                item=plan.item,
                on=plan.expected_on,
                rule_set=rules.id,
                rule_version=rules.version,
                at=at,
            )
            await _emit(tx, change, correlation_id)
        return Recorded(account_key, plan.plan_id, (BoardChange.PLAN_ADDED,))

    async def report_visit(
        self, event_id: UUID, visit: VisitReported, *, at: datetime, correlation_id: str | None = None
    ) -> Recorded:
        """Put a planned or done visit on the board; flag a clash to both partners, and to a reviewer when
        the clashing visit is reported done."""
        review: ClashReviewInput | None = None
        changes: list[BoardChange] = []
        account_key = visit.customer_key
        async with self._tx.begin() as tx:
            board = BoardRepository(tx.session)
            if await tx.first_time(CONSUMER, event_id):
                account_key, holders = await self._entitled(board, visit.customer_key, visit.partner_id)
                rules = self._rules_for(visit.product_line, at)
                row = await self._record_visit(board, account_key, holders, visit, rules, at)
                if row is not None:
                    changes, review = await self._announce(tx, board, row, rules, at, correlation_id)
            else:
                # A redelivery: the review may not have started before the crash that caused it.
                row = await board.visit(visit.visit_id)
                if row is not None and row.review_task_id is not None:
                    review = await self._review_of(board, row, self._rules_for(row.product_line, at))
        if review is not None:
            await self._reviews.start_clash_review(f"{CLASH_REVIEW_KIND}-{visit.visit_id}", review)
        return Recorded(account_key, visit.visit_id, tuple(changes))

    async def _record_visit(
        self,
        board: BoardRepository,
        account_key: str,
        holders: dict[str, str],
        visit: VisitReported,
        rules: RuleSet,
        at: datetime,
    ) -> BoardVisit | None:
        """The visit's row as it now stands, or None when the report changes nothing."""
        row = await board.visit(visit.visit_id)
        if row is None:
            row = BoardVisit(
                visit_id=visit.visit_id,
                account_key=account_key,
                slice=_slice(visit.department, holders),
                partner_id=visit.partner_id,
                product_line=visit.product_line,
                contact=visit.contact,
                contact_key=contact_key(visit.contact),
                visit_on=visit.visit_on,
                status=visit.status.value,
                visited_by=visit.visited_by,
                notes=visit.notes,
                recorded_at=at,
                done_at=at if visit.status is VisitStatus.DONE else None,
                clash_with=[],
                rule_set=rules.id,
                rule_version=rules.version,
            )
            board.add(row)
            return row
        if row.partner_id != visit.partner_id or row.account_key != account_key:
            raise BoardRefused(f"visit id {visit.visit_id} belongs to another visit; choose a new id")
        if row.status == VisitStatus.DONE.value or (
            visit.status is VisitStatus.PLANNED and row.visit_on == visit.visit_on
        ):
            return None  # done is final; the same plan again is no news
        row.status, row.visit_on, row.notes = visit.status.value, visit.visit_on, visit.notes or row.notes
        row.visited_by = visit.visited_by
        row.done_at = at if visit.status is VisitStatus.DONE else None
        return row

    async def _announce(
        self,
        tx: Transaction,
        board: BoardRepository,
        row: BoardVisit,
        rules: RuleSet,
        at: datetime,
        correlation_id: str | None,
    ) -> tuple[list[BoardChange], ClashReviewInput | None]:
        others = await board.visits_to(row.account_key, row.contact_key)
        entry = _entry(row)
        collided = clashes(entry, [_entry(o) for o in others], rules.board.visit_clash_days)
        for other in others:
            if other.visit_id in {c.visit_id for c in collided} and str(row.visit_id) not in other.clash_with:
                other.clash_with = [*other.clash_with, str(row.visit_id)]
        row.clash_with = sorted({*row.clash_with, *(str(c.visit_id) for c in collided)})
        done = row.status == VisitStatus.DONE.value
        kinds = [BoardChange.VISIT_DONE if done else BoardChange.VISIT_PLANNED]
        if collided:
            kinds.append(BoardChange.CLASH_VISITED if done else BoardChange.VISIT_CLASH)
        if done and collided:
            row.review_task_id = f"clash-{row.visit_id}"
        partners = sorted({row.partner_id, *(c.partner_id for c in collided)})
        for kind in kinds:
            clash = kind in (BoardChange.VISIT_CLASH, BoardChange.CLASH_VISITED)
            change = BoardChanged(
                customer_key=row.account_key,
                change=kind,
                partner_id=row.partner_id,
                subject_id=row.visit_id,
                slice=row.slice,
                product_line=row.product_line,
                contact=row.contact,
                on=row.visit_on,
                partners=partners if clash else [],
                other_visits=sorted(c.visit_id for c in collided) if clash else [],
                review_task_id=row.review_task_id if kind is BoardChange.CLASH_VISITED else None,
                rule_set=rules.id,
                rule_version=rules.version,
                at=at,
            )
            await _emit(tx, change, correlation_id)
        review = await self._review_of(board, row, rules) if row.review_task_id else None
        return kinds, review

    async def _review_of(self, board: BoardRepository, row: BoardVisit, rules: RuleSet) -> ClashReviewInput:
        account = await board.account(row.account_key)
        partners = sorted(
            {row.partner_id, *[v.partner_id for v in await board.visits_to(row.account_key, row.contact_key)]}
        )
        assert row.review_task_id is not None
        return ClashReviewInput(
            task_id=row.review_task_id,
            title=f"{account.name if account else row.account_key}: {row.contact} 被多家伙伴在 "
            f"{rules.board.visit_clash_days} 天内重复拜访",
            details={
                "customer_key": row.account_key,
                "contact": row.contact,
                "visit_on": row.visit_on.isoformat(),
                "partner_id": row.partner_id,
                "other_visits": list(row.clash_with),
                "partners": partners,
                "rule": f"{rules.ref} board.visit_clash_days={rules.board.visit_clash_days}",
            },
            region=account.region if account else None,
            subject_party_ids=partners,
            deadline_hours=rules.board.clash_review_hours,
        )

    async def _entitled(self, board: BoardRepository, customer_key: str, partner_id: str) -> tuple[str, dict[str, str]]:
        account = await board.account(customer_key)
        if account is None:
            raise NotOnBoard(f"no account {customer_key}")
        holders = await board.holders(account.customer_key)
        if not may_post(partner_id, holders.values()):
            raise NotOnBoard(f"{partner_id} holds no slice or claim of {customer_key}")
        return account.customer_key, holders

    def _rules_for(self, product_line: str, at: datetime) -> RuleSet:
        try:
            return self._rules.for_product_line(product_line, at)
        except RuleError as exc:
            raise BoardRefused(str(exc)) from exc


def _slice(department: str | None, holders: dict[str, str]) -> str | None:
    if not department:
        return None
    return slice_of(SliceBy.DEPARTMENT, department, holders.keys())


def _entry(row: BoardVisit) -> VisitEntry:
    return VisitEntry(row.visit_id, row.partner_id, row.contact_key, row.visit_on)


async def _emit(tx: Transaction, change: BoardChanged, correlation_id: str | None) -> None:
    await tx.emit(BOARD_CHANGES, change.customer_key, change, correlation_id=correlation_id)
