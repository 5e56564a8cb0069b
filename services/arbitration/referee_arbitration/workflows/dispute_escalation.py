"""One dispute from opening to the ruling that takes effect.

The regional reviewer has until the first-level deadline; when it passes unruled, an HQ arbiter takes
the case. A ruling may be appealed once, within the appeal window, by any party: an HQ arbiter (never
the one whose ruling is appealed) reviews it, and that ruling is final. A ruling nobody appeals takes
effect when the window closes. Every deadline is reminded of beforehand, and every step is an event.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from referee_shared.events.disputes import DisputeStep
    from referee_shared.events.tasks import TaskDecision
    from referee_shared.tasks.desk import TaskDesk, remind_before, workflow_step_id

    from ..domain.deadlines import appeal_until, first_level_due, hq_due, reminder_at, statements_until
    from ..domain.ruling import WORDING, Bench, RulingDraft, RulingRefused, draft_ruling
    from .activities import DisputeActivities
    from .models import (
        AppealFiled,
        AppealMade,
        DisputeCase,
        Escalation,
        Finalisation,
        Notice,
        ReviewClosing,
        ReviewOpening,
        RulingMade,
    )

Arg = TypeVar("Arg")
STAGE_NAMES = {1: "first-level review", 2: "HQ arbitration"}


@workflow.defn(name="DisputeEscalation")
class DisputeEscalationWorkflow:
    def __init__(self) -> None:
        self._case: DisputeCase | None = None
        self._bench: Bench | None = None
        self._desk = TaskDesk("dispute", WORDING)
        self._ruling: RulingDraft | None = None
        self._appeal: AppealFiled | None = None
        self._appeal_until: datetime | None = None
        self._decided_at = datetime.min
        self._appealed = False
        self._reviews = 0

    @workflow.run
    async def run(self, case: DisputeCase) -> str:
        self._case = case
        level, due = 1, first_level_due(case.opened_at, case.rules)
        excluded: str | None = None
        review_of: str | None = None
        while True:
            ruling = await self._review(level, due, excluded, review_of)
            if ruling is None:
                due = hq_due(workflow.now(), case.rules)
                await self._escalate("deadline_passed", "The regional reviewer did not rule in time", due)
                level = 2
                continue
            until = self._appeal_until
            await self._act(DisputeActivities.record_ruling, self._made(ruling, until))
            if until is None:
                return ruling.outcome.value
            appeal = await self._appeal_window(until)
            if appeal is None:
                await self._act(DisputeActivities.finalise, Finalisation(**self._ids(), at=workflow.now()))
                return ruling.outcome.value
            self._appealed = True
            await self._act(
                DisputeActivities.record_appeal,
                AppealMade(
                    **self._ids(),
                    appeal=appeal,
                    at=workflow.now(),
                    statements_until=statements_until(workflow.now(), case.rules),
                ),
            )
            due = hq_due(workflow.now(), case.rules)
            await self._escalate("appealed", f"{appeal.party_id} appealed the ruling", due)
            level, excluded = 2, ruling.decided_by if ruling.level == 2 else None
            review_of = f"appeal by {appeal.party_id} against the level-{ruling.level} ruling of {ruling.decided_by}"

    async def _review(
        self, level: int, due: datetime, excluded: str | None, review_of: str | None
    ) -> RulingDraft | None:
        """Open a review task and wait for its ruling; None when the first level lets its deadline pass."""
        self._reviews += 1
        task_id = f"dispute-{self._this_case().dispute_id}-{self._reviews}"
        # Open to decisions before the task is announced: a reviewer may act the moment the inbox hears of it.
        self._bench = Bench(task_id, level, excluded)
        self._desk.open(self._bench.task(min_reason_chars=self._this_case().rules.min_reason_chars))
        await self._act(
            DisputeActivities.open_review,
            ReviewOpening(
                **self._ids(),
                task_id=task_id,
                level=level,
                due_at=due,
                at=workflow.now(),
                excluded_decider=excluded,
                review_of=review_of,
            ),
        )
        stage = STAGE_NAMES[level]
        if not await self._wait_reminding(lambda: self._desk.decided, due, level, f"The {stage} is due"):
            if level == 1:
                self._bench = None
                self._desk.take()
                await self._close(task_id, "escalated", None, "the first-level deadline passed")
                return None
            await self._notify(DisputeStep.OVERDUE, f"The {stage} is overdue: it was due", level, due)
            await workflow.wait_condition(lambda: self._desk.decided)
        ruling, (_, decision) = self._ruling, self._desk.take()
        assert ruling is not None
        assert decision is not None
        self._bench, self._ruling = None, None
        await self._close(task_id, decision.choice, decision.decided_by, decision.reason)
        return ruling

    async def _appeal_window(self, until: datetime) -> AppealFiled | None:
        await self._wait_reminding(lambda: self._appeal is not None, until, None, "The appeal window closes")
        appeal, self._appeal, self._appeal_until = self._appeal, None, None
        return appeal

    async def _wait_reminding(self, done: Callable[[], bool], due: datetime, level: int | None, what: str) -> bool:
        """Wait until ``done`` or ``due``; remind everyone concerned before ``due`` if there is time to."""

        async def remind() -> None:
            await self._notify(DisputeStep.REMINDER, what, level, due)

        return await remind_before(done, due, reminder_at(due, self._this_case().rules), remind)

    async def _escalate(self, reason_code: str, why: str, due: datetime) -> None:
        summary = f"{why}; the case goes to an HQ arbiter, who rules by {due:%Y-%m-%d %H:%M} UTC."
        await self._act(
            DisputeActivities.escalate,
            Escalation(**self._ids(), reason_code=reason_code, summary=summary, due_at=due, at=workflow.now()),
        )

    async def _notify(self, step: DisputeStep, what: str, level: int | None, due: datetime) -> None:
        summary = f"{what} at {due:%Y-%m-%d %H:%M} UTC."
        await self._act(
            DisputeActivities.notify,
            Notice(**self._ids(), step=step, summary=summary, level=level, due_at=due, at=workflow.now()),
        )

    async def _close(self, task_id: str, outcome: str, decided_by: str | None, reason: str) -> None:
        closing = ReviewClosing(
            task_id=task_id, outcome=outcome, decided_by=decided_by, reason=reason, at=workflow.now()
        )
        await self._act(DisputeActivities.close_review, closing)

    def _made(self, ruling: RulingDraft, until: datetime | None) -> RulingMade:
        return RulingMade(**self._ids(), ruling=ruling, decided_at=self._decided_at, appeal_until=until)

    def _ids(self) -> dict[str, Any]:
        return {"action_id": workflow_step_id(), "dispute_id": self._this_case().dispute_id}

    def _this_case(self) -> DisputeCase:
        assert self._case is not None
        return self._case

    async def _act(self, activity: Callable[[Any, Arg], Awaitable[None]], argument: Arg) -> None:
        await workflow.execute_activity_method(activity, argument, start_to_close_timeout=timedelta(seconds=60))

    @workflow.update  # named "decide" (DECIDE), as every task in the inbox says
    async def decide(self, decision: TaskDecision) -> str:
        self._ruling = self._draft(decision)
        self._desk.accept(decision)
        # The appeal window opens the moment the ruling is made (a ruling on appeal has none).
        self._decided_at = workflow.now()
        self._appeal_until = None if self._appealed else appeal_until(self._decided_at, self._this_case().rules)
        return f"ruling recorded: {self._ruling.outcome.value}"

    @decide.validator
    def _ruling_fits_the_open_review(self, decision: TaskDecision) -> None:
        try:
            self._draft(decision)
        except RulingRefused as exc:
            raise ApplicationError(exc.reason) from exc

    def _draft(self, decision: TaskDecision) -> RulingDraft:
        if self._bench is None or self._desk.decided:
            raise RulingRefused(WORDING.decided)
        case = self._this_case()
        return draft_ruling(decision, self._bench, case.parties(), min_reason_chars=case.rules.min_reason_chars)

    @workflow.update(name="appeal")
    async def appeal(self, appeal: AppealFiled) -> str:
        self._appeal = appeal
        return "appeal accepted: an HQ arbiter will review the ruling"

    @appeal.validator
    def _appeal_is_in_time_by_a_party(self, appeal: AppealFiled) -> None:
        if appeal.party_id not in self._this_case().parties().all:
            raise ApplicationError(f"{appeal.party_id} is not a party to this dispute")
        if self._appealed or self._appeal is not None:
            raise ApplicationError("this dispute was appealed already; the ruling on appeal is final")
        if self._appeal_until is None:
            raise ApplicationError("there is no ruling to appeal now")
        if workflow.now() >= self._appeal_until:
            raise ApplicationError(f"the appeal window closed at {self._appeal_until:%Y-%m-%d %H:%M} UTC")

    @workflow.query
    def state(self) -> dict[str, Any]:
        return {
            "open_task": self._bench.task_id if self._bench else None,
            "level": self._bench.level if self._bench else None,
            "appeal_until": self._appeal_until.isoformat() if self._appeal_until else None,
            "appealed": self._appealed,
        }
