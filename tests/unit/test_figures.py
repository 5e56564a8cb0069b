"""The outcome figures: counts made once whatever order the events arrive in, and the report over HTTP,
CSV and xlsx folded from the events the in-memory system really publishes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from uuid import uuid4

import httpx
import pytest
from openpyxl import load_workbook

from referee_registration.app import build_app
from referee_registration.figures.measures import (
    Dims,
    DisputeFacts,
    LeadFacts,
    Measure,
    TaskFacts,
    dispute_counts,
    lead_counts,
    refusal_measure,
    task_counts,
)
from referee_registration.figures.report import derive
from referee_shared.auth import Role
from referee_shared.events.common import Channel
from referee_shared.events.deals import DealOutcome
from referee_shared.events.disputes import DisputeOpened, DisputeProgressed, DisputeStep, OpenedBy
from referee_shared.events.leads import ActivityKind, DecisionOutcome, LeadActivity
from referee_shared.events.tasks import TaskClosed, TaskKind, TaskOpened
from referee_shared.topics import (
    DEALS_CLOSED,
    DISPUTES_EVENTS,
    DISPUTES_OPENED,
    LEADS_ACTIVITIES,
    LEADS_DECISIONS,
    LEADS_SUBMITTED,
    TASKS_EVENTS,
)

from ..builders import customer, envelope, make_uscc, submission
from .conftest import InMemorySystem
from .test_registration_lifecycle import accepted_lead, as_partner, as_role, deal

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
LARGE = Decimal(1_000_000)


def _lead(**changes: object) -> LeadFacts:
    facts = LeadFacts("L1", partner="dealer-a", channel="dealer", region="浙江", rule_ref="building-materials@1")
    for name, value in changes.items():
        setattr(facts, name, value)
    return facts


def test_refusals_are_sorted_into_duplicates_cross_region_tier_and_other() -> None:
    assert refusal_measure("duplicate") is Measure.REFUSED_DUPLICATE
    assert refusal_measure("out_of_region") is Measure.REFUSED_CROSS_REGION
    assert refusal_measure("cross_region_radius") is Measure.REFUSED_CROSS_REGION
    assert refusal_measure("tier_channel") is Measure.REFUSED_TIER
    assert refusal_measure("not_qualified") is Measure.REFUSED_OTHER


def test_a_refusal_is_counted_once_whether_the_move_or_the_decision_arrives_first() -> None:
    decision_first = LeadFacts("L1", reason_code="duplicate")
    assert lead_counts(decision_first, large_amount=LARGE) == []  # no channel yet: nothing to attribute
    decision_first.partner, decision_first.channel, decision_first.rule_ref = "dealer-a", "dealer", "bm@1"
    decision_first.decided_at, decision_first.outcome = T0, "rejected"
    move_first = LeadFacts("L1", "dealer-a", "dealer", None, "bm@1", decided_at=T0, outcome="rejected")
    early = lead_counts(move_first, large_amount=LARGE)
    move_first.reason_code = "duplicate"
    late = lead_counts(move_first, large_amount=LARGE)

    assert {c.measure for c in lead_counts(decision_first, large_amount=LARGE)} == {
        Measure.DECIDED,
        Measure.REFUSED_DUPLICATE,
    }
    assert ([c.measure for c in early], [c.measure for c in late]) == ([Measure.DECIDED], [Measure.REFUSED_DUPLICATE])
    assert lead_counts(move_first, large_amount=LARGE) == []  # counted already


def test_cycle_time_large_account_and_unfollowed_expiry() -> None:
    won = _lead(submitted_at=T0, closed_at=T0 + timedelta(days=45), won=True, deal_amount=Decimal("1200000"))
    small = _lead(submitted_at=T0, closed_at=T0 + timedelta(days=3), won=True, deal_amount=Decimal("999999.99"))
    idle = _lead(expired_at=T0 + timedelta(days=90))
    busy = _lead(expired_at=T0 + timedelta(days=90), followed_up=True)

    counted = lead_counts(won, large_amount=LARGE)
    assert [(c.measure, c.total) for c in counted] == [
        (Measure.CLOSED, Decimal(45)),
        (Measure.LARGE_CLOSED, Decimal(0)),
        (Measure.LARGE_WON, Decimal(0)),
    ]
    assert [c.measure for c in lead_counts(small, large_amount=LARGE)] == [Measure.CLOSED]
    assert [c.measure for c in lead_counts(idle, large_amount=LARGE)] == [Measure.LOCKS_EXPIRED_UNFOLLOWED]
    assert lead_counts(busy, large_amount=LARGE) == []


def test_a_count_falls_on_the_shanghai_day() -> None:
    late_evening_utc = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 01:00 on 1 December in Shanghai
    [count] = lead_counts(_lead(expired_at=late_evening_utc), large_amount=LARGE)
    assert count.day.isoformat() == "2026-12-01"


def test_dispute_times_are_measured_from_opening() -> None:
    dims = Dims("dealer-a", "浙江", "dealer", "bm@1")
    facts = DisputeFacts("D1", opened_at=T0, first_ruled_at=T0 + timedelta(hours=30))
    assert dispute_counts(facts, None) == []  # the contested lead is not known yet
    first = dispute_counts(facts, dims)
    facts.final_at = T0 + timedelta(hours=200)
    final = dispute_counts(facts, dims)
    assert [(c.measure, c.total) for c in first] == [
        (Measure.DISPUTES_OPENED, Decimal(0)),
        (Measure.FIRST_RULINGS, Decimal(30)),
    ]
    assert [(c.measure, c.total) for c in final] == [(Measure.FINAL_RULINGS, Decimal(200))]


def test_a_reviewer_is_on_time_only_when_deciding_by_the_deadline() -> None:
    due = T0 + timedelta(hours=48)
    on_time = TaskFacts("t1", opened=True, due_at=due, closed_at=due, outcome="approve")
    late = TaskFacts("t2", opened=True, due_at=due, closed_at=due + timedelta(seconds=1), outcome="approve")
    escalated = TaskFacts("t3", opened=True, due_at=due, closed_at=due - timedelta(hours=1), outcome="escalated")
    withdrawn = TaskFacts("t4", opened=True, due_at=due, closed_at=due, outcome="withdrawn")
    closed_before_opened = TaskFacts("t5", due_at=due, closed_at=due, outcome="approve")

    assert [c.measure for c in task_counts(on_time)] == [Measure.TASKS_CLOSED, Measure.TASKS_ON_TIME]
    assert [c.measure for c in task_counts(late)] == [Measure.TASKS_CLOSED]
    assert [c.measure for c in task_counts(escalated)] == [Measure.TASKS_CLOSED]
    assert task_counts(withdrawn) == task_counts(closed_before_opened) == []


def test_rates_have_no_value_without_a_base_and_round_half_to_even() -> None:
    figures = derive({"decided": 3, "refused_duplicate": 1, "refused_tier": 1, "closed": 2}, {"closed": Decimal(5)})
    assert figures["conflict_rate"] == Decimal("0.6667")
    assert figures["mean_days_registration_to_close"] == Decimal("2.5")
    assert figures["reviewer_on_time_rate"] is None


@pytest.fixture
async def http(system: InMemorySystem) -> AsyncIterator[httpx.AsyncClient]:
    assert system.registration is not None
    app = build_app(system.runtimes["registration"], system.registration)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://registration") as client:
        yield client


async def test_figures_are_folded_from_the_events_by_partner_and_channel_as_json_csv_and_xlsx(
    system: InMemorySystem, http: httpx.AsyncClient
) -> None:
    first = await accepted_lead(system, 7100)
    await accepted_lead(system, 7101)
    agent_lead = await accepted_lead(system, 7110, "agent-zhang", product_line="compressors", channel=Channel.AGENT)
    # A second dealer registers the first dealer's customer: refused as a duplicate.
    again = submission("dealer-hangzhou", who=customer("杭州生命周期客户7100", uscc=make_uscc(7100)))
    await system.publish(LEADS_SUBMITTED, envelope(again))
    refused = [d for d in system.events(LEADS_DECISIONS) if d.payload.lead_id == again.lead_id][-1]
    assert (refused.payload.outcome, refused.payload.reason_code) == (DecisionOutcome.REJECTED, "duplicate")
    large = deal(first, DealOutcome.WON, "D-big").model_copy(
        update={
            "amount": Decimal("1500000"),
            "product_line": "tiles",
            "owner_id": "dealer-hangzhou",
            "owner_channel": Channel.DEALER,
        }
    )
    await system.publish(DEALS_CLOSED, envelope(large, producer="erp"))
    await system.publish(DEALS_CLOSED, envelope(deal(agent_lead, DealOutcome.LOST, "D-small"), producer="erp"))
    reviewer = as_role(Role.REVIEWER)

    overall = (await http.get("/figures", params={"period": "all"}, headers=reviewer)).json()
    by_channel = (await http.get("/figures", params={"group_by": "channel"}, headers=reviewer)).json()
    csv = await http.get("/figures.csv", params={"group_by": "partner", "period": "all"}, headers=reviewer)
    xlsx = await http.get("/figures.xlsx", params={"group_by": "partner", "period": "all"}, headers=reviewer)

    assert overall.get("rows"), overall
    [row] = overall["rows"]
    counts = row["counts"]
    assert (counts["decided"], counts["refused_duplicate"], counts["locks_granted"]) == (4, 1, 3)
    assert (counts["customers_registered"], counts["closed"]) == (3, 2)
    assert (counts["large_closed"], counts["large_won"]) == (1, 1)
    assert row["figures"]["conflict_rate"] == "0.2500"
    assert row["figures"]["large_account_win_rate"] == "1.0000"
    channels = {r["group"]: r["counts"]["decided"] for r in by_channel["rows"]}
    assert channels == {"agent": 1, "dealer": 3}
    assert csv.content.startswith("\ufeffperiod,partner,side".encode())
    assert "dealer-hangzhou" in csv.content.decode("utf-8-sig")
    sheet = load_workbook(BytesIO(xlsx.content)).active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    dealer = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[1] == "dealer-hangzhou")
    assert dealer[header.index("refused_duplicate")] == 1
    assert (await http.get("/figures", headers=as_partner("dealer-hangzhou"))).status_code == 403


async def test_disputes_reviewer_tasks_and_follow_ups_reach_the_figures(
    system: InMemorySystem, http: httpx.AsyncClient
) -> None:
    lead_id = await accepted_lead(system, 7200)
    dispute_id = uuid4()
    now = datetime.now(UTC)
    opened = DisputeOpened(
        dispute_id=dispute_id,
        opened_by=OpenedBy.PARTNER,
        claimant_id="dealer-shaoxing",
        respondent_ids=["dealer-hangzhou"],
        lead_id=lead_id,
        claim="我们先拜访了这家客户",
    )
    await system.publish(DISPUTES_OPENED, envelope(opened))

    def step(kind: DisputeStep, at: datetime, *, final: bool = False) -> DisputeProgressed:
        return DisputeProgressed(
            dispute_id=dispute_id, step=kind, at=at, parties=["dealer-shaoxing"], actor="arbitration",
            summary=kind.value, final=final,
        )  # fmt: skip

    for progressed in (step(DisputeStep.OPENED, now - timedelta(hours=10)), step(DisputeStep.RULED, now, final=True)):
        await system.publish(DISPUTES_EVENTS, envelope(progressed, producer="arbitration"))
    task = TaskOpened(
        task_id="ext-figures-1", kind=TaskKind.LOCK_EXTENSION, title="延期", role="reviewer", workflow_id="w",
        update_name="decide", choices=["approve", "reject"], due_at=now + timedelta(hours=1), region="浙江",
        opened_at=now - timedelta(hours=1),
    )  # fmt: skip
    await system.publish(TASKS_EVENTS, envelope(task, producer="registration"))
    closed = TaskClosed(task_id="ext-figures-1", outcome="approve", decided_by="reviewer-1", closed_at=now)
    await system.publish(TASKS_EVENTS, envelope(closed, producer="registration"))
    visit = LeadActivity(
        activity_id=uuid4(), lead_id=lead_id, partner_id="dealer-hangzhou", kind=ActivityKind.VISIT, summary="拜访"
    )
    await system.publish(LEADS_ACTIVITIES, envelope(visit))

    [row] = (await http.get("/figures", params={"period": "all"}, headers=as_role(Role.ARBITER))).json()["rows"]
    assert row["counts"]["disputes_opened"] == 1
    assert row["counts"]["customers_disputed"] == 1
    assert row["figures"]["disputed_customer_share"] == "1.0000"
    assert row["figures"]["mean_hours_to_first_ruling"] == "10.0"
    assert row["figures"]["mean_hours_to_final_ruling"] == "10.0"
    assert row["figures"]["reviewer_on_time_rate"] == "1.0000"
    assert system.raw("deadletter.registration") == []


async def test_figures_split_before_and_after_a_rule_version_took_effect(
    system: InMemorySystem, http: httpx.AsyncClient
) -> None:
    await accepted_lead(system, 7300)
    today = datetime.now(UTC).date()
    reviewer = as_role(Role.REVIEWER)

    split = (
        await http.get("/figures", params={"period": "all", "split_at": today.isoformat()}, headers=reviewer)
    ).json()
    by_rule = (await http.get("/figures", params={"group_by": "rule_version"}, headers=reviewer)).json()
    unknown = await http.get("/figures", params={"rule_set": "building-materials", "version": 99}, headers=reviewer)
    half = await http.get("/figures", params={"rule_set": "building-materials"}, headers=reviewer)

    assert [(r["side"], r["counts"]["decided"]) for r in split["rows"]] == [("after", 1)]
    assert {r["group"] for r in by_rule["rows"]} == {"building-materials@1"}
    assert unknown.status_code == 404
    assert "building-materials@99" in unknown.json()["detail"]
    assert half.status_code == 422


def test_the_rollups_answer_whole_months_from_month_rows_and_the_edges_from_day_rows() -> None:
    from datetime import date

    from referee_registration.figures.report import Period, grains, sides

    assert grains(date(2026, 1, 15), date(2026, 4, 10), Period.MONTH) == [
        ("d", date(2026, 1, 15), date(2026, 2, 1)),
        ("m", date(2026, 2, 1), date(2026, 4, 1)),
        ("d", date(2026, 4, 1), date(2026, 4, 10)),
    ]
    assert grains(date(2026, 12, 1), date(2027, 1, 1), Period.ALL) == [("m", date(2026, 12, 1), date(2027, 1, 1))]
    assert grains(date(2026, 1, 15), date(2026, 1, 20), Period.ALL) == [("d", date(2026, 1, 15), date(2026, 1, 20))]
    assert grains(date(2026, 1, 1), date(2026, 4, 1), Period.WEEK) == [("d", date(2026, 1, 1), date(2026, 4, 1))]
    assert sides(date(2026, 1, 1), date(2026, 3, 1), date(2026, 2, 10)) == [
        ("before", date(2026, 1, 1), date(2026, 2, 10)),
        ("after", date(2026, 2, 10), date(2026, 3, 1)),
    ]
    assert sides(date(2026, 1, 1), date(2026, 3, 1), date(2025, 6, 1)) == [
        ("after", date(2026, 1, 1), date(2026, 3, 1))
    ]


async def test_a_filtered_report_read_from_the_full_counts_matches_the_rollups(
    system: InMemorySystem, http: httpx.AsyncClient
) -> None:
    await accepted_lead(system, 7400)
    await accepted_lead(system, 7401, "agent-zhang", product_line="compressors", channel=Channel.AGENT)
    reviewer = as_role(Role.REVIEWER)

    rolled = (await http.get("/figures", params={"group_by": "channel", "period": "all"}, headers=reviewer)).json()
    dealer = (await http.get("/figures", params={"channel": "dealer", "period": "all"}, headers=reviewer)).json()

    [from_rollups] = [r for r in rolled["rows"] if r["group"] == "dealer"]
    [from_counts] = dealer["rows"]
    assert from_rollups["counts"] == from_counts["counts"]
    assert from_counts["counts"]["decided"] == 1
