"""The hash chain on its own: an intact chain verifies, and every kind of tampering is found and named."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from referee_registration.domain.evidence import GENESIS, Entry, Problem, digest, seal, verify

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def chain(length: int = 5) -> list[Entry]:
    entries: list[Entry] = []
    for seq in range(1, length + 1):
        entries.append(
            seal(
                record_id=f"r{seq}",
                chain="cust-1",
                seq=seq,
                recorded_at=T0 + timedelta(hours=seq),
                actor="dealer-hangzhou",
                kind="activity",
                lead_id="lead-1",
                content={"summary": f"visit {seq}", "location": {"lat": 30.2741, "lon": 120.1551}},
                rule_set="building-materials",
                rule_version=1,
                prev_hash=entries[-1].hash if entries else GENESIS,
            )
        )
    return entries


def head(entries: list[Entry]) -> tuple[int, str]:
    return entries[-1].seq, entries[-1].hash


def test_an_untouched_chain_is_intact() -> None:
    entries = chain()
    result = verify("cust-1", entries, head(entries))
    assert result.intact
    assert result.checked == 5
    assert result.head_hash == entries[-1].hash


def test_an_altered_record_is_named() -> None:
    entries = chain()
    original = head(entries)
    entries[2] = dataclasses.replace(entries[2], content={"summary": "visit 3 (backdated)"})

    [finding] = verify("cust-1", entries, original).findings

    assert (finding.problem, finding.seq, finding.record_id) == (Problem.ALTERED, 3, "r3")


def test_an_altered_time_or_actor_is_found_too() -> None:
    entries = chain()
    original = head(entries)
    entries[1] = dataclasses.replace(entries[1], recorded_at=entries[1].recorded_at - timedelta(days=30))
    entries[3] = dataclasses.replace(entries[3], actor="dealer-shaoxing")

    findings = verify("cust-1", entries, original).findings

    assert [(f.problem, f.seq) for f in findings] == [(Problem.ALTERED, 2), (Problem.ALTERED, 4)]


def test_a_record_altered_and_re_hashed_is_given_away_by_the_next_link() -> None:
    entries = chain()
    original = head(entries)
    forged = dataclasses.replace(entries[2], content={"summary": "never happened"})
    entries[2] = dataclasses.replace(forged, hash=digest(**_hashed_fields(forged)))

    [finding] = verify("cust-1", entries, original).findings

    assert (finding.problem, finding.seq, finding.record_id) == (Problem.ALTERED, 3, "r3")
    assert "re-hashed" in finding.detail


def test_a_removed_record_is_named_by_its_position() -> None:
    entries = chain()
    original = head(entries)
    del entries[2]

    [finding] = verify("cust-1", entries, original).findings

    assert (finding.problem, finding.seq) == (Problem.REMOVED, 3)
    assert "record #3 before record #4" in finding.detail


def test_records_removed_from_the_end_are_found_through_the_head() -> None:
    entries = chain()
    original = head(entries)

    [finding] = verify("cust-1", entries[:3], original).findings

    assert (finding.problem, finding.seq) == (Problem.REMOVED, 4)
    assert "#4 to #5 at the end" in finding.detail


def test_swapped_records_are_reported_out_of_order() -> None:
    entries = chain()
    original = head(entries)
    third, fourth = entries[2], entries[3]
    entries[2], entries[3] = dataclasses.replace(fourth, seq=3), dataclasses.replace(third, seq=4)

    findings = verify("cust-1", entries, original).findings

    assert {f.problem for f in findings} == {Problem.REORDERED}
    assert {f.record_id for f in findings} >= {"r3", "r4"}
    assert any("r4" in f.detail and "written after record #4 (r3)" in f.detail for f in findings)


def test_a_record_slipped_in_after_the_last_one_is_found() -> None:
    entries = chain()
    original = head(entries)
    entries.append(dataclasses.replace(chain(6)[5], prev_hash=entries[-1].hash))
    entries[-1] = dataclasses.replace(entries[-1], hash=digest(**_hashed_fields(entries[-1])))

    [finding] = verify("cust-1", entries, original).findings

    assert (finding.problem, finding.seq) == (Problem.ALTERED, 6)
    assert "added after the last record" in finding.detail


def _hashed_fields(entry: Entry) -> dict[str, Any]:
    fields = dataclasses.asdict(entry)
    del fields["seq"], fields["hash"]
    return fields
