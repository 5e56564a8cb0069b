"""What the parties and the reviewers do on a dispute over the API: statements, appeals and rulings.

Appeals and rulings go to the dispute's workflow, which alone knows whether they are in time and
allowed; its refusal comes back with the reason. (Reviewers also rule through the shared inbox; this
route adds what the inbox cannot carry: the ratios of a share ruling.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID, uuid4

from referee_shared.auth import Principal
from referee_shared.events.common import Attachment
from referee_shared.events.disputes import CreditShare, DisputeStep
from referee_shared.events.tasks import TaskDecision
from referee_shared.outbox import Transactions
from referee_shared.rules.limits import LimitRules, refusal
from referee_shared.rules.rulebook import RuleBook

from ..ports import DisputeWorkflows, WorkflowRefused
from ..store import Dispute, DisputeRepository, Statement
from ..workflows.models import AppealFiled
from .access import Refused, is_staff, may_see, party_of
from .steps import record_step


class Participation:
    def __init__(self, transactions: Transactions, workflows: DisputeWorkflows, rules: RuleBook) -> None:
        self._tx = transactions
        self._workflows = workflows
        self._rules = rules

    async def add_statement(
        self, principal: Principal, dispute_id: UUID, text: str, attachments: list[Attachment]
    ) -> Statement:
        """A party's statement, taken while the statement window is open and the dispute not decided."""
        async with self._tx.begin() as tx:
            dispute = await _visible(DisputeRepository(tx.session), principal, dispute_id)
            party = party_of(principal, dispute)
            now = tx.clock.now()
            if not dispute.state.is_open:
                raise Refused(409, f"the dispute is {dispute.status}: statements are closed")
            if dispute.statements_close_at is None or now >= dispute.statements_close_at:
                closed = (
                    f"{dispute.statements_close_at:%Y-%m-%d %H:%M} UTC" if dispute.statements_close_at else "opening"
                )
                raise Refused(409, f"the statement window closed at {closed}")
            await self._within_limits(DisputeRepository(tx.session), dispute, party, text)
            statement = Statement(
                statement_id=uuid4(),
                dispute_id=dispute.dispute_id,
                party_id=party,
                kind="statement",
                text=text,
                attachments=[a.model_dump() for a in attachments],
                added_at=now,
            )
            DisputeRepository(tx.session).add_statement(statement)
            attached = f" with {len(attachments)} attachment(s)" if attachments else ""
            await record_step(
                tx,
                dispute,
                DisputeStep.STATEMENT_ADDED,
                at=now,
                actor=party,
                summary=f"{party} added a statement{attached}.",
                level=dispute.level,
            )
            return statement

    async def _within_limits(self, disputes: DisputeRepository, dispute: Dispute, party: str, text: str) -> None:
        """Statements per party and their size, as the dispute's rule set allows (429 / 413 naming the rule)."""
        if dispute.rule_set is None or dispute.rule_version is None:
            limits, ref = LimitRules(), "default limits"
        else:
            rules = self._rules.get(dispute.rule_set, dispute.rule_version)
            limits, ref = rules.limits, rules.ref
        if len(text) > limits.statement_max_chars:
            found = refusal(
                "statement_too_long",
                ref,
                "statement_max_chars",
                limits.statement_max_chars,
                f"a statement of {len(text)} characters; shorten it or attach a document",
            )
            raise Refused(413, found.reason, found.reason_code)
        made = sum(
            1 for s in await disputes.statements(dispute.dispute_id) if s.party_id == party and s.kind == "statement"
        )
        if made >= limits.dispute_statements:
            found = refusal(
                "statement_limit",
                ref,
                "dispute_statements",
                limits.dispute_statements,
                f"{made} statements of yours on this dispute already; say the rest in one of them next time",
            )
            raise Refused(429, found.reason, found.reason_code)

    async def appeal(self, principal: Principal, dispute_id: UUID, grounds: str) -> str:
        dispute = await self._dispute(principal, dispute_id)
        party = party_of(principal, dispute)
        return await self._to_workflow(
            dispute, lambda wid: self._workflows.appeal(wid, AppealFiled(party_id=party, grounds=grounds))
        )

    async def rule(
        self, principal: Principal, dispute_id: UUID, choice: str, reason: str, shares: list[CreditShare] | None
    ) -> str:
        """A reviewer's or arbiter's ruling on the dispute's open review."""
        dispute = await self._dispute(principal, dispute_id)
        if not is_staff(principal):
            raise Refused(403, "only reviewers and arbiters rule on disputes")
        if dispute.task_id is None:
            raise Refused(409, f"no review of this dispute is open (it is {dispute.status})")
        details: dict[str, Any] = {}
        if shares is not None:
            details["shares"] = [share.model_dump(mode="json", exclude_none=True) for share in shares]
        decision = TaskDecision(
            task_id=dispute.task_id,
            choice=choice,
            reason=reason,
            decided_by=principal.subject,
            role=principal.role.value,
            details=details,
        )
        return await self._to_workflow(dispute, lambda wid: self._workflows.decide(wid, decision))

    async def _dispute(self, principal: Principal, dispute_id: UUID) -> Dispute:
        async with self._tx.sessions() as session:
            return await _visible(DisputeRepository(session), principal, dispute_id)

    @staticmethod
    async def _to_workflow(dispute: Dispute, send: Callable[[str], Awaitable[str]]) -> str:
        if dispute.workflow_id is None:
            raise Refused(409, f"the dispute is {dispute.status}: there are no proceedings")
        try:
            return str(await send(dispute.workflow_id))
        except WorkflowRefused as exc:
            raise Refused(409, exc.reason) from exc


async def _visible(disputes: DisputeRepository, principal: Principal, dispute_id: UUID) -> Dispute:
    dispute = await disputes.get(dispute_id)
    if dispute is None or not may_see(principal, dispute):
        raise Refused(404, f"no dispute {dispute_id}")
    return dispute
