"""Qualification's domain on its own: the red card, certificate identity, validity instants, status changes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from referee_qualification.domain.certificate import (
    SubmissionRefused,
    certificate_key,
    local_date,
    qualification_to_review,
    validity_window,
)
from referee_qualification.domain.gating import HeldQualification, gate
from referee_qualification.domain.status import IllegalTransition, QualificationStatus, transition

TODAY = date(2026, 6, 1)
ORTHO = "orthopaedic-device-distribution"


def held(status: str = "approved", **fields: object) -> HeldQualification:
    values: dict[str, object] = {
        "name": ORTHO,
        "product_line": "orthopaedics",
        "status": status,
        "valid_from": date(2026, 1, 1),
        "valid_to": date(2027, 12, 31),
        "certificate_number": "浙械2026001",
    }
    return HeldQualification(**{**values, **fields})  # type: ignore[arg-type]


def test_product_line_without_requirement_needs_no_qualification() -> None:
    decision = gate("tiles", None, [], TODAY, rule="building-materials@1")
    assert decision.qualified
    assert decision.reason_code == "no_qualification_required"


def test_partner_with_nothing_on_file_gets_a_red_card_naming_qualification_rule_and_what_to_do() -> None:
    decision = gate("orthopaedics", ORTHO, [], TODAY, rule="medical-devices@1")
    assert not decision.qualified
    assert decision.reason_code == "not_qualified"
    assert decision.required == (ORTHO,)
    assert ORTHO in decision.reason
    assert "medical-devices@1" in decision.reason
    assert "none is on file" in decision.reason
    assert "qualifications.submitted" in decision.reason


def test_approved_qualification_valid_today_lets_the_partner_register() -> None:
    decision = gate("orthopaedics", ORTHO, [held()], TODAY, rule="medical-devices@1")
    assert decision.qualified
    assert "2027-12-31" in decision.reason


@pytest.mark.parametrize(
    ("qualification", "explained"),
    [
        (held("pending"), "is still under review"),
        (held("rejected", status_reason="scan unreadable"), "was rejected (scan unreadable)"),
        (held("revoked", status_reason="licence withdrawn"), "was revoked by HQ (licence withdrawn)"),
        (held("expired"), "lapsed after 2027-12-31"),
        (held(valid_to=date(2026, 5, 31)), "lapsed after 2026-05-31"),
        (held(valid_from=date(2026, 6, 2)), "is valid only from 2026-06-02"),
        (held(regions=("江苏省",)), "covers only 江苏省"),
    ],
)
def test_red_card_says_what_is_wrong_with_the_certificate_on_file(
    qualification: HeldQualification, explained: str
) -> None:
    decision = gate("orthopaedics", ORTHO, [qualification], TODAY, region="浙江", rule="medical-devices@1")
    assert not decision.qualified
    assert f"certificate 浙械2026001 {explained}" in decision.reason


def test_last_day_of_validity_still_counts() -> None:
    assert gate("orthopaedics", ORTHO, [held(valid_to=TODAY)], TODAY, rule="medical-devices@1").qualified


def test_qualification_for_another_line_does_not_count() -> None:
    cardiology = held(product_line="cardiology")
    assert not gate("orthopaedics", ORTHO, [cardiology], TODAY, rule="medical-devices@1").qualified


def test_one_valid_certificate_among_lapsed_ones_is_enough() -> None:
    lapsed = held("expired", valid_to=date(2026, 3, 1))
    assert gate("orthopaedics", ORTHO, [lapsed, held()], TODAY, rule="medical-devices@1").qualified


def test_same_certificate_submitted_twice_has_the_same_key_whatever_the_spacing() -> None:
    first = certificate_key("agent-li", "orthopaedics", "浙械 2026001", date(2026, 1, 1), date(2027, 12, 31))
    again = certificate_key("agent-li", "orthopaedics", "浙械２０２６００１", date(2026, 1, 1), date(2027, 12, 31))
    renewal = certificate_key("agent-li", "orthopaedics", "浙械2026001", date(2026, 1, 1), date(2029, 12, 31))
    other_partner = certificate_key("agent-wu", "orthopaedics", "浙械2026001", date(2026, 1, 1), date(2027, 12, 31))
    assert first == again
    assert renewal != first
    assert other_partner != first


def test_certificate_lapses_at_midnight_after_its_last_day_where_it_was_issued() -> None:
    window = validity_window(date(2026, 1, 1), date(2026, 12, 31), "Asia/Shanghai", warning_days=30)
    assert window.starts_at == datetime(2025, 12, 31, 16, tzinfo=UTC)
    assert window.lapses_at == datetime(2026, 12, 31, 16, tzinfo=UTC)
    assert window.warns_at == datetime(2026, 12, 1, 16, tzinfo=UTC)


def test_the_calendar_day_is_read_where_certificates_are_dated() -> None:
    assert local_date(datetime(2026, 12, 31, 17, tzinfo=UTC), "Asia/Shanghai") == date(2027, 1, 1)


def test_submission_for_a_line_without_requirement_or_already_expired_is_refused() -> None:
    assert qualification_to_review("orthopaedics", ORTHO, "medical-devices@1", TODAY, TODAY) == ORTHO
    with pytest.raises(SubmissionRefused, match="needs no qualification under building-materials@1"):
        qualification_to_review("tiles", None, "building-materials@1", date(2027, 1, 1), TODAY)
    with pytest.raises(SubmissionRefused, match="expired on 2026-05-31"):
        qualification_to_review("orthopaedics", ORTHO, "medical-devices@1", date(2026, 5, 31), TODAY)


def test_only_an_approved_qualification_can_lapse_or_be_revoked() -> None:
    assert transition(QualificationStatus.PENDING, QualificationStatus.APPROVED) is QualificationStatus.APPROVED
    assert transition(QualificationStatus.APPROVED, QualificationStatus.REVOKED) is QualificationStatus.REVOKED
    with pytest.raises(IllegalTransition, match="a pending qualification cannot become revoked"):
        transition(QualificationStatus.PENDING, QualificationStatus.REVOKED)
    with pytest.raises(IllegalTransition, match="final"):
        transition(QualificationStatus.REJECTED, QualificationStatus.APPROVED)
