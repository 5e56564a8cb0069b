"""Linking incoming customers to existing ones: the engine's answer for one record, as rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .index import CustomerIndex
from .matching import Candidate, Level, Thresholds, find_matches
from .profile import CustomerRecord, profile


@dataclass(frozen=True, slots=True)
class Link:
    incoming_id: str
    existing_id: str
    verdict: Level
    score: float
    reasons: str


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
        rows.append(Link(record.key, candidate.key, verdict, round(candidate.score, 4), explain(candidate, thresholds)))
    for candidate in match.related:
        rows.append(
            Link(record.key, candidate.key, Level.RELATED, round(candidate.score, 4), explain(candidate, thresholds))
        )
    return rows


def explain(candidate: Candidate, thresholds: Thresholds) -> str:
    """Each field's evidence with its weight, then the threshold that decided."""
    parts = [f"{e.field} {e.weight:+g}: {e.detail}" for e in candidate.evidence()]
    return "; ".join([*parts, candidate.decided_by(thresholds)])
