"""The demand board in memory: who sees what of a hospital split by department, and visits that collide."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from typer.testing import CliRunner, Result

from referee_cli.main import app as cli
from referee_dedup.domain.board import Viewer, VisitEntry, clashes, contact_key, may_see_account, same_week
from referee_dedup.usecases.bindings import SliceBindings
from referee_dedup.usecases.board import NotOnBoard
from referee_dedup.views.board import BoardReader
from referee_shared.events.board import (
    BoardChange,
    PlanSource,
    ProcurementPlanReported,
    VisitReported,
    VisitStatus,
)
from referee_shared.events.common import Channel
from referee_shared.topics import BOARD_CHANGES

from ...builders import customer
from ..conftest import InMemorySystem
from .test_dedup_service import HOSPITAL, claim, dedup, verdict_on

TODAY = date(2026, 3, 4)


def test_a_contact_written_two_ways_is_one_contact() -> None:
    assert contact_key("设备科 李科长") == contact_key("設備科李科長") == contact_key(" 设备科　李科长 ")
    assert contact_key("设备科 李科长") != contact_key("设备科 王科长")


def test_visits_of_two_partners_to_one_contact_collide_within_the_window_and_not_beyond() -> None:
    mine = VisitEntry(uuid4(), "agent-a", "设备科李科长", TODAY)
    near = VisitEntry(uuid4(), "agent-b", "设备科李科长", TODAY + timedelta(days=7))
    far = VisitEntry(uuid4(), "agent-b", "设备科李科长", TODAY + timedelta(days=8))
    own = VisitEntry(uuid4(), "agent-a", "设备科李科长", TODAY + timedelta(days=1))
    other_contact = VisitEntry(uuid4(), "agent-b", "骨科王主任", TODAY)

    assert clashes(mine, [near, far, own, other_contact], window_days=7) == [near]
    assert clashes(mine, [near], window_days=6) == []


def test_who_may_see_an_accounts_board() -> None:
    holders = ["agent-a", "agent-b"]
    assert may_see_account(Viewer("partner", "agent-a"), holders, "浙江/杭州")
    assert not may_see_account(Viewer("partner", "agent-c"), holders, "浙江/杭州")
    assert may_see_account(Viewer("reviewer", regions=("浙江",)), holders, "浙江/杭州")
    assert not may_see_account(Viewer("reviewer", regions=("江苏",)), holders, "浙江/杭州")
    assert may_see_account(Viewer("arbiter"), holders, None)
    assert not may_see_account(Viewer("finance"), holders, "浙江/杭州")
    assert same_week(date(2026, 3, 2), date(2026, 3, 8))
    assert not same_week(date(2026, 3, 1), date(2026, 3, 2))


async def hospital_split_by_department(system: InMemorySystem) -> str:
    """A tertiary hospital: orthopaedics claimed by agent-ortho, cardiology bound to agent-cardio."""
    first = await verdict_on(
        system,
        claim(
            "agent-ortho",
            customer(HOSPITAL, department="骨科"),
            rule_set="medical-devices",
            channel=Channel.AGENT,
            product_line="orthopaedics",
        ),
    )
    await SliceBindings(system.runtimes["dedup"].transactions).bind(
        first.customer_key.split("#")[0], "心内科", "agent-cardio", bound_by="admin-li"
    )
    return first.customer_key.split("#")[0]


def plan(partner: str, account: str, amount: str = "800000") -> ProcurementPlanReported:
    return ProcurementPlanReported(
        plan_id=uuid4(),
        partner_id=partner,
        customer_key=account,
        department="骨科",
        product_line="orthopaedics",
        item="关节置换手术器械",
        estimated_amount=Decimal(amount),
        expected_on=date(2026, 6, 1),
        source=PlanSource.TENDER_NOTICE,
        notes="底价 75 万",
    )


def visit(partner: str, account: str, on: date, status: VisitStatus = VisitStatus.PLANNED) -> VisitReported:
    return VisitReported(
        visit_id=uuid4(),
        partner_id=partner,
        customer_key=account,
        product_line="cardiology" if partner == "agent-cardio" else "orthopaedics",
        contact="设备科 李科长",
        visit_on=on,
        status=status,
        visited_by=f"{partner} 销售",
    )


async def test_the_other_agent_of_the_hospital_sees_the_plan_but_never_its_amount_or_notes(
    system: InMemorySystem,
) -> None:
    account = await hospital_split_by_department(system)
    board, clock = dedup(system).board, system.runtimes["dedup"].clock
    await board.report_plan(uuid4(), plan("agent-ortho", account), at=clock.now())
    await system.settle()
    reader = BoardReader(system.runtimes["dedup"].transactions)

    own = await reader.board(Viewer("partner", "agent-ortho"), account)
    other = await reader.board(Viewer("partner", "agent-cardio"), account)
    outsider = await reader.board(Viewer("partner", "dealer-hangzhou"), account)
    staff = await reader.board(Viewer("reviewer", regions=("浙江",)), account)

    assert own is not None
    assert other is not None
    assert staff is not None
    assert own.plans[0].estimated_amount == Decimal("800000.00")
    assert own.plans[0].notes == "底价 75 万"
    assert other.plans[0].item == "关节置换手术器械"
    assert other.plans[0].estimated_amount is None
    assert other.plans[0].notes is None
    assert staff.plans[0].estimated_amount == Decimal("800000.00")
    assert outsider is None
    assert await reader.board(Viewer("reviewer", regions=("江苏",)), account) is None
    assert [a.customer_key for a in await reader.accounts(Viewer("partner", "dealer-hangzhou"))] == []
    changes = [e.payload for e in system.events(BOARD_CHANGES)]
    assert [c.change for c in changes] == [BoardChange.PLAN_ADDED]
    assert "800000" not in str(changes[0].model_dump())


async def test_a_partner_holding_nothing_of_the_account_cannot_post_on_its_board(system: InMemorySystem) -> None:
    account = await hospital_split_by_department(system)
    clock = system.runtimes["dedup"].clock
    with pytest.raises(NotOnBoard):
        await dedup(system).board.report_plan(uuid4(), plan("dealer-hangzhou", account), at=clock.now())
    with pytest.raises(NotOnBoard):
        await dedup(system).board.report_visit(uuid4(), visit("dealer-hangzhou", account, TODAY), at=clock.now())


async def test_agents_planning_one_contact_within_the_window_are_flagged_and_a_reviewer_asked_when_it_happens(
    system: InMemorySystem,
) -> None:
    account = await hospital_split_by_department(system)
    board, clock = dedup(system).board, system.runtimes["dedup"].clock
    first = visit("agent-ortho", account, TODAY)
    await board.report_visit(uuid4(), first, at=clock.now())
    second = visit("agent-cardio", account, TODAY + timedelta(days=3))
    posted = await board.report_visit(uuid4(), second, at=clock.now())
    await system.settle()

    assert posted.changes == (BoardChange.VISIT_PLANNED, BoardChange.VISIT_CLASH)
    clash = next(e.payload for e in system.events(BOARD_CHANGES) if e.payload.change is BoardChange.VISIT_CLASH)
    assert clash.partners == ["agent-cardio", "agent-ortho"]
    assert clash.other_visits == [first.visit_id]
    assert system.reviews.clash_reviews == []

    done = second.model_copy(update={"status": VisitStatus.DONE})
    happened = await board.report_visit(uuid4(), done, at=clock.now())

    assert happened.changes == (BoardChange.VISIT_DONE, BoardChange.CLASH_VISITED)
    [review] = system.reviews.clash_reviews
    assert review.task_id == f"clash-{second.visit_id}"
    assert review.subject_party_ids == ["agent-cardio", "agent-ortho"]
    reader = BoardReader(system.runtimes["dedup"].transactions)
    seen = await reader.board(Viewer("partner", "agent-ortho"), account)
    assert seen is not None
    theirs = next(v for v in seen.visits if v.visit_id == second.visit_id)
    assert theirs.clash
    assert theirs.visited_by is None
    assert theirs.review_task_id is None


async def test_a_visit_beyond_the_window_is_not_a_clash(system: InMemorySystem) -> None:
    account = await hospital_split_by_department(system)
    board, clock = dedup(system).board, system.runtimes["dedup"].clock
    await board.report_visit(uuid4(), visit("agent-ortho", account, TODAY), at=clock.now())
    posted = await board.report_visit(
        uuid4(), visit("agent-cardio", account, TODAY + timedelta(days=8)), at=clock.now()
    )
    assert posted.changes == (BoardChange.VISIT_PLANNED,)


async def test_referee_board_show_prints_the_board_as_the_named_partner_sees_it(system: InMemorySystem) -> None:
    account = await hospital_split_by_department(system)
    clock = system.runtimes["dedup"].clock
    await dedup(system).board.report_plan(uuid4(), plan("agent-ortho", account, "1200000"), at=clock.now())
    url = system.runtimes["dedup"].settings.resolved_database_url()
    runner = CliRunner()

    def show(*options: str) -> Result:
        return runner.invoke(cli, ["board", "show", account, "--database-url", url, *options])

    # one at a time: CliRunner swaps the process's stdout while it runs
    own = await asyncio.to_thread(show, "--partner", "agent-ortho")
    other = await asyncio.to_thread(show, "--partner", "agent-cardio")
    outsider = await asyncio.to_thread(show, "--partner", "dealer-hangzhou")
    assert "¥1,200,000.00" in own.output
    assert "关节置换手术器械" in other.output
    assert "1,200,000" not in other.output
    assert outsider.exit_code == 2
