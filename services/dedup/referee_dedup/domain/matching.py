"""Matching an incoming customer against the index: candidates scored, thresholds applied, best first."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .index import CustomerIndex
from .profile import Profile
from .scoring import DEFAULT_WEIGHTS, Comparison, Evidence, Weights, compare


class Level(StrEnum):
    DUPLICATE = "duplicate"
    POSSIBLE = "possible"
    RELATED = "related"  # another branch of the same organisation (or its head office): not the same customer


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Score at or above ``duplicate``: the same customer; at or above ``possible``: a reviewer decides."""

    duplicate: float
    possible: float

    def level(self, score: float) -> Level | None:
        if score >= self.duplicate:
            return Level.DUPLICATE
        if score >= self.possible:
            return Level.POSSIBLE
        return None


@dataclass(frozen=True, slots=True)
class Candidate:
    profile: Profile
    comparison: Comparison
    level: Level

    @property
    def key(self) -> str:
        return self.profile.key

    @property
    def score(self) -> float:
        return self.comparison.score

    def evidence(self) -> tuple[Evidence, ...]:
        return self.comparison.evidence

    def decided_by(self, thresholds: Thresholds) -> str:
        """Which threshold put this candidate where it is, in words."""
        if self.level is Level.DUPLICATE:
            return f"score {self.score:.3f} >= duplicate_threshold {thresholds.duplicate}"
        if self.level is Level.RELATED:
            return f"related: {self.profile.name!r} is of the same organisation ({self.profile.core!r}), another branch"
        return f"possible_threshold {thresholds.possible} <= score {self.score:.3f} < {thresholds.duplicate}"


@dataclass(frozen=True, slots=True)
class Match:
    candidates: tuple[Candidate, ...]  # every candidate at or above the possible threshold, best first
    related: tuple[Candidate, ...] = ()  # branches of the same organisation (or its head office), best first

    @property
    def duplicate(self) -> Candidate | None:
        best = self.candidates[0] if self.candidates else None
        return best if best is not None and best.level is Level.DUPLICATE else None

    @property
    def possible(self) -> tuple[Candidate, ...]:
        """Candidates a reviewer should look at: all but the duplicate, if there is one."""
        return self.candidates[1:] if self.duplicate is not None else self.candidates


def find_matches(
    index: CustomerIndex,
    query: Profile,
    thresholds: Thresholds,
    *,
    weights: Weights = DEFAULT_WEIGHTS,
    limit: int = 5,
) -> Match:
    """Score the index's candidates for ``query`` and keep those at or above the possible threshold."""
    found = []
    related = []
    for profile in index.candidates(query):
        comparison = compare(query, profile, weights)
        if is_related(query, profile):
            related.append(Candidate(profile, comparison, Level.RELATED))
            continue
        level = thresholds.level(comparison.score)
        if level is not None:
            found.append(Candidate(profile, comparison, level))
    found.sort(key=lambda c: (-c.score, c.key))
    related.sort(key=lambda c: (-c.score, c.key))
    return Match(tuple(found[:limit]), tuple(related[:limit]))


def is_related(a: Profile, b: Profile) -> bool:
    """Two branches of one organisation, or a branch and its head office: the same name, another branch.

    A different credit code is no evidence against this (a 分公司 has its own); the same code is one entity.
    """
    if a.branch == b.branch or (a.uscc is not None and a.uscc == b.uscc):
        return False
    return a.core == b.core or a.full == b.full
