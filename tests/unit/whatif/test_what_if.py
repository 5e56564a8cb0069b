"""What-if: a draft rule set version tried on the last months of history, in memory, before it applies.

Each of the brief's three industries tries the change its channel manager would consider, and the test
names the decisions, locks, figures and amounts that change; a replay twice gives the same bytes."""

from __future__ import annotations

from decimal import Decimal

from referee_registration.whatif.history import History
from referee_registration.whatif.render import changed_csv, changed_xlsx, text, yuan
from referee_registration.whatif.report import WhatIfReport
from referee_registration.whatif.tryout import what_if
from referee_shared.rules.rulebook import RuleBook

from ...whatif_history import (
    UNTIL,
    book,
    building_materials,
    draft_of,
    industrial_goods,
    lead_id,
    medical_devices,
)


def figure(report: WhatIfReport, measure: str, partner: str = "*") -> tuple[int, int]:
    found = [(f.before, f.after) for f in report.figures if f.measure == measure and f.partner == partner]
    return found[0] if found else (0, 0)


def test_building_materials_radius_30_to_20_km_frees_the_customer_25_km_away_and_keeps_the_one_12_km_away() -> None:
    report = what_if(
        building_materials(),
        book(),
        draft_of("building-materials", **{"territory.cross_region_radius_km": 20}),
        months=6,
        until=UNTIL,
    )

    assert (report.draft, report.replaced) == ("building-materials@2", ["building-materials@1"])
    assert report.registrations == 3
    [change] = report.changed
    assert change.lead_id == lead_id("bm-farther")
    assert (change.before.outcome, change.before.reason_code) == ("rejected", "cross_region_radius")
    assert "within 25.0 km" in change.before.reason
    assert "cross_region_radius_km is 30 in building-materials@1" in change.before.reason
    assert (change.after.outcome, change.after.reason_code) == ("accepted", "first_valid_claim")
    assert change.after.rule_ref == "building-materials@2"
    # the customer 12 km away stays refused: it is within 20 km too
    assert lead_id("bm-near") not in {c.lead_id for c in report.changed}
    [lock] = report.locks
    assert (lock.lead_id, lock.change, lock.before) == (lead_id("bm-farther"), "granted", None)
    assert lock.after is not None
    assert lock.after.ended == "won"
    assert figure(report, "refused_cross_region") == (2, 1)
    assert figure(report, "locks_granted", "dealer-shaoxing") == (0, 1)
    # 8% dealer margin of the ¥150,000 deal the dealer could not have registered under version 1
    [money] = report.settlements
    assert (money.party_id, money.before, money.after) == ("dealer-shaoxing", Decimal("0.00"), Decimal("12000.00"))
    assert money.deals == ["deal-bm-farther"]


def test_medical_devices_hospital_split_into_department_slices_lets_a_second_agent_hold_cardiology() -> None:
    # in force today (in this test): the hospital is one account, whoever registers it first holds it whole
    v1 = book().get("medical-devices", 1)
    whole_account = draft_of("medical-devices", **{"dedup.slice_by": "none"}).model_copy(
        update={"effective_from": v1.effective_from}
    )
    current = RuleBook([*(r for r in book().rule_sets if r.id != "medical-devices"), whole_account])
    by_department = draft_of("medical-devices", **{"dedup.slice_by": "department"}).model_copy(update={"version": 3})

    report = what_if(medical_devices(), current, by_department, months=6, until=UNTIL)

    assert report.replaced == ["medical-devices@2"]
    [change] = report.changed
    assert change.lead_id == lead_id("md-cardio")
    assert (change.before.outcome, change.before.reason_code) == ("rejected", "duplicate")
    assert change.before.reason.startswith("this customer is already protected until")
    assert (change.after.outcome, change.after.reason_code) == ("accepted", "first_valid_claim")
    assert change.after.customer_key is not None
    assert change.after.customer_key.endswith("#心内科")
    ortho = [c for c in report.locks if c.lead_id == lead_id("md-ortho")]
    assert ortho
    assert ortho[0].change == "moved"
    assert ortho[0].after is not None
    assert ortho[0].after.customer_key.endswith("#骨科")
    # 15% of the ¥450,000 cardiology deal now goes to the agent who holds that slice
    [money] = report.settlements
    assert (money.party_id, money.difference) == ("agent-b", Decimal("67500.00"))
    assert figure(report, "refused_duplicate") == (1, 0)


def test_industrial_goods_tier_boundary_1000000_to_800000_refuses_the_agents_900000_account() -> None:
    tiers = [
        {"name": "small", "min_amount": "0", "max_amount": "500000", "channel": "agent"},
        {"name": "medium", "min_amount": "500000", "max_amount": "800000"},
        {"name": "key-account", "min_amount": "800000", "channel": "direct"},
    ]
    report = what_if(
        industrial_goods(), book(), draft_of("industrial-goods", **{"tiers.tiers": tiers}), months=6, until=UNTIL
    )

    [change] = report.changed
    assert change.lead_id == lead_id("ig-medium")
    assert (change.before.outcome, change.after.outcome) == ("accepted", "rejected")
    assert change.after.reason_code == "tier_channel"
    assert "tier 'key-account' (800,000 or more)" in change.after.reason
    assert "industrial-goods@2" in change.after.reason
    assert lead_id("ig-large") not in {c.lead_id for c in report.changed}  # ¥1,200,000 was the direct team's anyway
    [lock] = report.locks
    assert (lock.lead_id, lock.change, lock.after) == (lead_id("ig-medium"), "gone", None)
    # the agent loses its 6% of the ¥900,000 deal it could no longer have registered, and keeps its
    # 20% credit of the direct team's ¥1,200,000 deal (¥14,400)
    [money] = report.settlements
    assert (money.party_id, money.before, money.after) == ("agent-jiangsu", Decimal("68400.00"), Decimal("14400.00"))
    assert money.deals == ["deal-ig-medium"]
    assert figure(report, "refused_tier", "agent-jiangsu") == (0, 1)
    assert figure(report, "large_closed") == (1, 1)  # the ¥1,200,000 deal is large on both sides


def test_the_same_history_and_draft_give_the_same_report_byte_for_byte() -> None:
    history = History()
    for part in (building_materials(), medical_devices(), industrial_goods()):
        history.extend([(e.at, e.payload) for e in part.events])
    draft = draft_of("building-materials", **{"territory.cross_region_radius_km": 20})

    first = what_if(history, book(), draft, months=6, until=UNTIL)
    second = what_if(history, book(), draft, months=6, until=UNTIL)

    assert first.decisions_changed == 1
    assert first.model_dump_json().encode() == second.model_dump_json().encode()
    assert text(first) == text(second)
    assert changed_csv(first) == changed_csv(second)


def test_a_draft_that_changes_nothing_reports_no_change_and_the_live_figures_unchanged() -> None:
    draft = draft_of("building-materials", **{"territory.cross_region_radius_km": 30})

    report = what_if(building_materials(), book(), draft, months=6, until=UNTIL)

    assert (report.decisions_changed, report.changed, report.locks, report.settlements) == (0, [], [], [])
    assert all(f.before == f.after for f in report.figures)


def test_a_shorter_protection_period_shows_which_locks_expire_earlier() -> None:
    draft = draft_of(
        "building-materials",
        **{
            "protection.period_days": 30,
            "protection.follow_up": {"enabled": False},
        },
    )

    report = what_if(building_materials(), book(), draft, months=6, until=UNTIL)

    locks = {lock.lead_id: lock for lock in report.locks}
    hangzhou = locks[lead_id("bm-hangzhou")]
    assert hangzhou.change == "expires_earlier"
    assert hangzhou.before is not None
    assert hangzhou.after is not None
    assert (hangzhou.after.expires_at - hangzhou.after.starts_at).days == 30
    assert hangzhou.after.ended == "expired"
    # once it expired, the Shaoxing customers nearby are no longer within reach of a protected customer
    assert {c.lead_id for c in report.changed} == {lead_id("bm-near"), lead_id("bm-farther")}


def test_the_report_reads_in_chinese_first_with_yuan_amounts_and_exports_with_a_bom() -> None:
    report = what_if(
        industrial_goods(),
        book(),
        draft_of(
            "industrial-goods",
            **{
                "tiers.tiers": [
                    {"name": "small", "min_amount": "0", "max_amount": "500000", "channel": "agent"},
                    {"name": "key-account", "min_amount": "800000", "channel": "direct"},
                ]
            },
        ),
        months=6,
        until=UNTIL,
    )

    chinese, english = text(report), text(report, "en")
    assert "规则试算" in chinese
    assert "结论改变的报备：1 条" in chinese
    assert "agent-jiangsu: ¥68,400.00 → ¥14,400.00 (-¥54,000.00)" in chinese
    assert "Decisions that change: 1" in english
    csv = changed_csv(report)
    assert csv.startswith("\ufeff".encode())
    assert "现行结论" in csv.decode("utf-8-sig")
    assert "驳回" in csv.decode("utf-8-sig")
    assert changed_xlsx(report, "en")[:2] == b"PK"
    assert yuan(Decimal("1200000")) == "¥1,200,000.00"
