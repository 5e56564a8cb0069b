"""The shared reviewer-task protocol: what a decision must pass, and the events every flow publishes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError
from temporalio.workflow import _Definition

from referee_arbitration.workflows.dispute_escalation import DisputeEscalationWorkflow
from referee_dedup.workflows.duplicate_review import DuplicateReviewWorkflow
from referee_qualification.workflows.review import QualificationReviewWorkflow
from referee_registration.workflows.lead_lock import LeadLockWorkflow
from referee_settlement.workflows.settlement import SettlementWorkflow
from referee_shared.events.tasks import TaskDecision, TaskKind, TaskOpened
from referee_shared.tasks import ADMIN, DECIDE, DecisionRefused, OpenTask, Wording, check_decision, step_id
from referee_shared.tasks.inbox import task_closed, task_opened

APPROVAL = OpenTask("approval-1", ("approve", "reject"), ("finance", ADMIN), level=1)


def decision(task_id: str = "approval-1", choice: str = "approve", **overrides: str) -> TaskDecision:
    fields = {"reason": "the contract is on file", "decided_by": "finance-zhang", "role": "finance", **overrides}
    return TaskDecision(task_id=task_id, choice=choice, **fields)


def test_a_decision_the_open_task_admits_passes() -> None:
    check_decision(APPROVAL, decision())
    check_decision(APPROVAL, decision(choice="reject", role=ADMIN))


@pytest.mark.parametrize(
    ("task", "made", "decided", "refusal"),
    [
        (None, decision(), False, "task approval-1 is not open on this settlement"),
        (APPROVAL, decision(task_id="approval-0"), False, "task approval-0 is not open on this settlement"),
        (APPROVAL, decision(), True, "task approval-1 is already decided"),
        (
            APPROVAL,
            decision(choice="pay-double"),
            False,
            "choice 'pay-double' is not offered; choose one of approve, reject",
        ),
        (APPROVAL, decision(role="partner"), False, "role 'partner' may not decide this task; it needs finance"),
    ],
)
def test_a_decision_out_of_place_is_refused_with_the_reason(
    task: OpenTask | None, made: TaskDecision, decided: bool, refusal: str
) -> None:
    with pytest.raises(DecisionRefused) as refused:
        check_decision(task, made, decided=decided, subject="settlement")
    assert str(refused.value) == refusal


def test_an_excluded_decider_and_a_short_reason_are_refused() -> None:
    appeal = OpenTask("appeal-1", ("uphold",), ("arbiter",), level=2, excluded_decider="hq-chen", min_reason_chars=20)
    with pytest.raises(DecisionRefused, match="hq-chen may not decide this task"):
        check_decision(appeal, decision("appeal-1", "uphold", role="arbiter", decided_by="hq-chen"))
    with pytest.raises(DecisionRefused, match="at least 20 characters"):
        check_decision(
            appeal, decision("appeal-1", "uphold", role="arbiter", decided_by="hq-li", reason="  too short  ")
        )
    check_decision(appeal, decision("appeal-1", "uphold", role="arbiter", decided_by="hq-li", reason="x" * 20))


def test_a_flow_words_its_refusals_for_its_readers() -> None:
    wording = Wording(role="a level-{level} ruling is made by the role {needed}, not {role}")
    review = OpenTask("dispute-1", ("uphold",), ("arbiter", ADMIN), level=2)
    with pytest.raises(DecisionRefused, match="a level-2 ruling is made by the role arbiter, not reviewer"):
        check_decision(review, decision("dispute-1", "uphold", role="reviewer"), wording=wording)


def test_a_step_id_is_the_same_for_the_same_step_and_differs_between_steps() -> None:
    assert step_id("lock-1", "open", "ext-1") == step_id("lock-1", "open", "ext-1")
    assert step_id("lock-1", "open", "ext-1") != step_id("lock-1", "close", "ext-1")


CLASH_DETAILS = {
    "customer_key": "c-1",
    "contact": "王主任",
    "visit_on": "2026-03-02",
    "partner_id": "dealer-a",
    "other_visits": ["v-2"],
    "partners": ["dealer-a", "dealer-b"],
    "rule": "medical@1 board.visit_clash_days=7",
}


def clash_task(details: dict[str, Any], at: datetime) -> TaskOpened:
    return task_opened(
        task_id="clash-v-1",
        kind=TaskKind.VISIT_CLASH,
        title="two partners visit one contact",
        role="reviewer",
        workflow_id="wf-1",
        choices=("acknowledge",),
        details=details,
        opened_at=at,
        due_at=at,
    )


def test_a_task_whose_details_leave_the_contract_is_refused_where_it_is_made() -> None:
    at = datetime(2026, 3, 2, tzinfo=UTC)
    for details in ({**CLASH_DETAILS, "price": "1200000"}, {k: v for k, v in CLASH_DETAILS.items() if k != "contact"}):
        with pytest.raises(ValidationError):
            clash_task(details, at)


def test_the_task_opened_schema_gives_the_details_of_every_kind() -> None:
    schema = TaskOpened.model_json_schema()
    by_kind = {
        rule["if"]["properties"]["kind"]["const"]: rule["then"]["properties"]["details"] for rule in schema["allOf"]
    }
    assert set(by_kind) == {kind.value for kind in TaskKind}
    assert "contact" in by_kind["visit_clash"]["required"]
    line = by_kind["settlement_approval"]["properties"]["lines"]["items"]
    assert "$ref" not in json.dumps(by_kind)
    assert "party_id" in line["properties"]


def test_every_task_names_the_one_decide_update_and_every_task_workflow_answers_it() -> None:
    at = datetime(2026, 3, 2, tzinfo=UTC)
    opened = clash_task(CLASH_DETAILS, at)
    assert opened.update_name == DECIDE
    closed = task_closed("t-1", "expired", decided_by=None, reason="nobody decided", at=at)
    assert (closed.task_id, closed.outcome, closed.closed_at) == ("t-1", "expired", at)
    for flow in (
        LeadLockWorkflow,
        DuplicateReviewWorkflow,
        QualificationReviewWorkflow,
        DisputeEscalationWorkflow,
        SettlementWorkflow,
    ):
        assert DECIDE in _Definition.must_from_class(flow).updates, flow.__name__
