"""Signed checkpoints name what the chain alone cannot: a rewrite with every hash recomputed."""

from __future__ import annotations

import dataclasses

from referee_arbitration.domain.chain import Anchor as ArbitrationAnchor
from referee_arbitration.domain.chain import check_chain, describe
from referee_registration.domain.evidence import Anchor, Entry, Problem, check_anchors, seal, verify

from ..arbitration_builders import building_materials_case
from .test_evidence_chain import T0, chain, head


def rewritten(entries: list[Entry], position: int, **changes: object) -> list[Entry]:
    """The chain as an attacker with the database leaves it: one record changed, every hash after it recomputed."""
    out: list[Entry] = []
    for entry in entries:
        fields = {f.name: getattr(entry, f.name) for f in dataclasses.fields(entry) if f.name not in ("seq", "hash")}
        if entry.seq == position:
            fields.update(changes)
        fields["prev_hash"] = out[-1].hash if out else entry.prev_hash
        out.append(seal(seq=entry.seq, **fields))
    return out


def anchors_of(entries: list[Entry]) -> list[Anchor]:
    return [Anchor(e.seq, e.hash, e.recorded_at) for e in entries]


def test_an_untouched_chain_matches_its_checkpoints() -> None:
    entries = chain()
    assert check_anchors("cust-1", entries, anchors_of(entries)) == []


def test_a_rewrite_with_recomputed_hashes_passes_the_chain_but_not_the_checkpoints() -> None:
    original = chain()
    forged = rewritten(original, 2, content={"summary": "we never visited"})
    assert verify("cust-1", forged, head(forged)).intact  # the chain alone is fooled

    [finding] = check_anchors("cust-1", forged, [Anchor(5, original[-1].hash, T0)])
    assert finding.problem is Problem.REWRITTEN
    assert finding.seq == 5
    assert "rewritten at or before #5" in finding.detail


def test_every_checkpoint_from_the_rewrite_on_is_named_and_those_before_it_hold() -> None:
    original = chain()
    forged = rewritten(original, 3, actor="dealer-shaoxing")
    findings = check_anchors("cust-1", forged, anchors_of(original))
    assert [f.seq for f in findings] == [3, 4, 5]


def test_records_cut_below_a_checkpoint_are_removed() -> None:
    original = chain()
    [finding] = check_anchors("cust-1", original[:3], [Anchor(5, original[-1].hash, T0)])
    assert finding.problem is Problem.REMOVED
    assert finding.seq == 5


def test_arbitrations_check_names_a_bundle_that_no_longer_matches_the_signed_checkpoint() -> None:
    bundle = building_materials_case(T0).bundle
    last = bundle.records[-1]
    assert check_chain(bundle, [ArbitrationAnchor(last.seq, last.hash)]).intact

    rewritten_check = check_chain(bundle, [ArbitrationAnchor(last.seq, "f" * 64)])
    assert not rewritten_check.intact
    assert rewritten_check.findings == [
        f"{describe(last)} is not the record registration's signed checkpoint anchors at #{last.seq}: "
        "the trail was rewritten and its hashes recomputed"
    ]
    # A checkpoint newer than the bundle says nothing about it (the bundle may be older).
    assert check_chain(bundle, [ArbitrationAnchor(last.seq + 1, "f" * 64)]).intact
