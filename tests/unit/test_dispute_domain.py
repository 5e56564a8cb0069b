"""Arbitration's rules in plain Python: the chain check, who may dispute, what a ruling may say, the figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from referee_arbitration.adapters.evidence import TrailFinding, TrailVerification
from referee_arbitration.domain.chain import check_chain
from referee_arbitration.domain.figures import AcceptedRegistration, DisputeFact, Period, figures
from referee_arbitration.domain.opening import contested_lead, refusal_before_evidence, refusal_on_evidence
from referee_arbitration.domain.ruling import Bench, Parties, RulingRefused, draft_ruling, equal_shares
from referee_shared.events.common import Channel
from referee_shared.events.disputes import OpenedBy, RulingOutcome
from referee_shared.events.tasks import TaskDecision

from ..arbitration_builders import DEALER_A, DEALER_B, DEALER_C, building_materials_case, dispute_by, tampered

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
REASON = "The chain shows dealer-hangzhou registered and visited first."


def test_an_untouched_trail_verifies() -> None:
    check = check_chain(building_materials_case(START).bundle)
    assert check.intact
    assert check.checked == 9
    assert check.findings == []


def test_a_record_changed_after_it_was_written_is_named() -> None:
    case = building_materials_case(START)
    check = check_chain(tampered(case.bundle, 3, summary="dealer-shaoxing was already there"))
    assert not check.intact
    assert check.findings == [
        f"record #3 (activity by {DEALER_A} at 2026-01-08T09:00:00.000000+00:00) does not match its hash: "
        "it was changed after it was written"
    ]


def test_a_removed_record_is_found() -> None:
    bundle = building_materials_case(START).bundle
    without_third = bundle.model_copy(update={"records": [r for r in bundle.records if r.seq != 3]})
    findings = check_chain(without_third).findings
    assert any("stands where record #3 should" in f for f in findings)
    assert any("is not chained to the record before it" in f for f in findings)


def test_what_registration_itself_found_is_kept_on_the_case() -> None:
    bundle = building_materials_case(START).bundle
    reported = TrailVerification(
        intact=False, findings=[TrailFinding(problem="removed", seq=10, detail="record #10 at the end was removed")]
    )
    check = check_chain(bundle.model_copy(update={"verification": reported}))
    assert check.findings == ["registration reports: record #10 at the end was removed"]


def test_a_partner_whose_registration_was_refused_may_still_dispute() -> None:
    case = building_materials_case(START)
    assert refusal_on_evidence(dispute_by(DEALER_B, customer_key=case.chain), case.bundle, None) is None


def test_a_partner_that_never_touched_the_customer_is_refused_with_the_reason() -> None:
    case = building_materials_case(START)
    refusal = refusal_on_evidence(dispute_by(DEALER_C, customer_key=case.chain), case.bundle, None)
    assert refusal is not None
    assert refusal.code == "not_involved"
    assert refusal.reason.startswith(f"{DEALER_C} has neither registered nor followed up this customer")


def test_hq_may_open_a_dispute_for_anyone() -> None:
    case = building_materials_case(START)
    opened = dispute_by(DEALER_C, customer_key=case.chain, opened_by=OpenedBy.HQ)
    assert refusal_on_evidence(opened, case.bundle, None) is None


def test_claims_that_name_nothing_or_dispute_against_oneself_are_refused() -> None:
    nothing = refusal_before_evidence(dispute_by(DEALER_B))
    against_itself = refusal_before_evidence(dispute_by(DEALER_B, (DEALER_B,), lead_id=uuid4()))
    assert nothing is not None
    assert nothing.code == "no_subject"
    assert against_itself is not None
    assert against_itself.code == "claimant_is_respondent"


def test_a_second_open_dispute_about_the_same_customer_is_refused() -> None:
    case = building_materials_case(START)
    earlier = uuid4()
    refusal = refusal_on_evidence(dispute_by(DEALER_B, customer_key=case.chain), case.bundle, earlier)
    assert refusal is not None
    assert refusal.code == "already_open"
    assert str(earlier) in refusal.reason


def test_the_contested_registration_is_the_one_holding_the_lock() -> None:
    case = building_materials_case(START)
    lead = contested_lead(dispute_by(DEALER_B, customer_key=case.chain), case.bundle)
    assert lead is not None
    assert (lead.lead_id, lead.partner_id) == (case.lead_a, DEALER_A)


def test_a_dealer_naming_its_own_refused_registration_disputes_the_one_holding_the_lock() -> None:
    case = building_materials_case(START)
    lead = contested_lead(dispute_by(DEALER_B, lead_id=case.lead_b), case.bundle)
    assert lead is not None
    assert lead.lead_id == case.lead_a


PARTIES = Parties(
    DEALER_B,
    (DEALER_A,),
    contested_lead_id=uuid4(),
    holder_id=DEALER_A,
    channels={DEALER_A: Channel.DEALER, DEALER_B: Channel.DEALER},
)


def decision(
    choice: str, *, role: str = "arbiter", by: str = "hq-chen", reason: str = REASON, **details: object
) -> TaskDecision:
    return TaskDecision(task_id="t-2", choice=choice, reason=reason, decided_by=by, role=role, details=details)


def test_a_transfer_gives_the_customer_to_the_claimant() -> None:
    draft = draft_ruling(decision("transfer"), Bench("t-2", 2), PARTIES, min_reason_chars=20)
    assert draft.outcome is RulingOutcome.TRANSFERRED
    assert (draft.new_holder_id, draft.new_holder_channel) == (DEALER_B, Channel.DEALER)
    assert draft.lead_id == PARTIES.contested_lead_id


def test_shares_must_name_parties_and_sum_to_one() -> None:
    bench = Bench("t-2", 2)
    shares = [{"party_id": DEALER_A, "ratio": "0.7"}, {"party_id": DEALER_B, "ratio": "0.3"}]
    draft = draft_ruling(decision("share", shares=shares), bench, PARTIES, min_reason_chars=20)
    assert [(s.party_id, s.ratio, s.channel) for s in draft.shares] == [
        (DEALER_A, Decimal("0.7"), Channel.DEALER),
        (DEALER_B, Decimal("0.3"), Channel.DEALER),
    ]
    too_much = [{"party_id": DEALER_A, "ratio": "0.7"}, {"party_id": DEALER_B, "ratio": "0.4"}]
    with pytest.raises(RulingRefused, match=r"the shares must sum to 1, not 1\.1"):
        draft_ruling(decision("share", shares=too_much), bench, PARTIES, min_reason_chars=20)
    stranger = [{"party_id": DEALER_A, "ratio": "0.5"}, {"party_id": DEALER_C, "ratio": "0.5"}]
    with pytest.raises(RulingRefused, match=f"not a party: {DEALER_C}"):
        draft_ruling(decision("share", shares=stranger), bench, PARTIES, min_reason_chars=20)


def test_equal_shares_leave_nothing_over() -> None:
    shares = equal_shares(("a", "b", "c"))
    assert [s.ratio for s in shares] == [Decimal("0.333334"), Decimal("0.333333"), Decimal("0.333333")]
    assert sum(s.ratio for s in shares) == 1


@pytest.mark.parametrize(
    ("bench", "made", "refusal"),
    [
        (Bench("t-2", 2), decision("uphold", role="reviewer"), "a level-2 ruling is made by the role arbiter"),
        (Bench("t-1", 1), decision("uphold", role="reviewer"), "task t-2 is not the open review"),
        (Bench("t-2", 2), decision("uphold", reason="A first."), "a written reason of at least 20 characters"),
        (Bench("t-2", 2, excluded_decider="hq-chen"), decision("uphold"), "hq-chen made the ruling under appeal"),
        (Bench("t-2", 2), decision("approve"), "choice 'approve' is not a ruling"),
    ],
)
def test_a_ruling_out_of_place_is_refused_with_the_reason(bench: Bench, made: TaskDecision, refusal: str) -> None:
    with pytest.raises(RulingRefused, match=refusal):
        draft_ruling(made, bench, PARTIES, min_reason_chars=20)


def test_nothing_to_transfer_when_the_claimant_already_holds_the_customer() -> None:
    holds = Parties(DEALER_B, (DEALER_A,), contested_lead_id=uuid4(), holder_id=DEALER_B)
    with pytest.raises(RulingRefused, match="already holds this customer"):
        draft_ruling(decision("transfer"), Bench("t-2", 2), holds, min_reason_chars=20)


def test_figures_count_each_event_in_its_own_period_and_rate_disputes_per_accepted_registration() -> None:
    march = datetime(2026, 3, 2, tzinfo=UTC)
    day, hour = timedelta(days=1), timedelta(hours=1)
    escalated = DisputeFact(
        march, "浙江", "dealer", escalated_at=march + 3 * day, ruled_at=march + 5 * day, final_at=march + 12 * day
    )
    quick = DisputeFact(march, "浙江", "dealer", ruled_at=march + 30 * hour, final_at=march + 8 * day)
    disputes = [
        escalated,
        quick,
        DisputeFact(march, "浙江", "dealer", refused=True),
        DisputeFact(march + 30 * day, "江苏", "agent"),
    ]
    accepted = [AcceptedRegistration(march + timedelta(days=i), "浙江", "dealer") for i in range(8)]
    rows = figures(disputes, accepted, period=Period.MONTH, since=march, until=march + timedelta(days=60))
    by_key = {(r.period, r.region, r.channel): r for r in rows}
    zhejiang = by_key[("2026-03", "浙江", "dealer")]
    assert (zhejiang.opened, zhejiang.refused, zhejiang.escalated, zhejiang.resolved) == (2, 1, 1, 2)
    assert zhejiang.median_hours_to_ruling == Decimal("75.0")  # the middle of 120 h and 30 h
    assert zhejiang.conflict_rate == Decimal("0.2500")
    jiangsu = by_key[("2026-04", "江苏", "agent")]
    assert jiangsu.opened == 1
    assert jiangsu.conflict_rate is None  # no accepted registration to count against
