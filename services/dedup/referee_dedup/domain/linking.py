"""Linking incoming customers to existing ones: the engine's answer for one record, as rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .index import CustomerIndex
from .matching import Candidate, Level, Thresholds, find_matches
from .profile import CustomerRecord, profile
from .reasons_zh import codes, explain_zh


@dataclass(frozen=True, slots=True)
class Link:
    incoming_id: str
    existing_id: str
    verdict: Level
    score: float
    reasons: str
    reasons_zh: str = ""
    codes: str = ""  # the evidence codes with their weights, e.g. name_short_name+2;phone_same+5


def build_index(records: Iterable[CustomerRecord]) -> CustomerIndex:
    index = CustomerIndex()
    for record in records:
        index.add(profile(record))
    return index


def link(index: CustomerIndex, record: CustomerRecord, thresholds: Thresholds, *, limit: int = 4) -> list[Link]:
    """At most one ``duplicate`` row (the best match), the other candidates as ``possible``, branches as ``related``."""
    match = find_matches(index, profile(record), thresholds, limit=limit)
    rows = []
    for candidate in match.candidates:
        verdict = Level.DUPLICATE if candidate is match.duplicate else Level.POSSIBLE
        rows.append(_link(record.key, candidate, verdict, thresholds))
    for candidate in match.related:
        rows.append(_link(record.key, candidate, Level.RELATED, thresholds))
    return rows


def _link(incoming: str, candidate: Candidate, verdict: Level, thresholds: Thresholds) -> Link:
    as_decided = Candidate(candidate.profile, candidate.comparison, verdict)
    return Link(
        incoming,
        candidate.key,
        verdict,
        round(candidate.score, 4),
        explain(as_decided, thresholds),
        explain_zh(as_decided, thresholds),
        codes(candidate),
    )


def explain(candidate: Candidate, thresholds: Thresholds) -> str:
    """Each field's evidence with its weight, then the threshold that decided."""
    parts = [f"{e.field} {e.weight:+g}: {e.detail}" for e in candidate.evidence()]
    return "; ".join([*parts, candidate.decided_by(thresholds)])
