"""Loading versioned rule files and choosing the rule set in force for a product line at a moment."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import yaml
from pydantic import ValidationError

from .ruleset import RuleSet


class RuleError(Exception):
    """A rule file is invalid, or no rule set governs what was asked."""


class RuleBook:
    """Every version of every rule set; answers which one was in force when."""

    def __init__(self, rule_sets: Iterable[RuleSet]) -> None:
        self._all = sorted(rule_sets, key=lambda r: (r.id, r.version))
        self._check_consistency()

    @classmethod
    def load(cls, directory: Path) -> RuleBook:
        """Read every ``*.yaml`` under ``directory``; a file that does not validate is an error naming it."""
        files = sorted(directory.glob("*.yaml"))
        if not files:
            raise RuleError(f"no rule files (*.yaml) in {directory}")
        return cls(_parse(path) for path in files)

    def _check_consistency(self) -> None:
        seen: set[tuple[str, int]] = set()
        owner: dict[str, str] = {}
        for rules in self._all:
            if (rules.id, rules.version) in seen:
                raise RuleError(f"rule set {rules.ref} is defined twice")
            seen.add((rules.id, rules.version))
            for line in rules.product_lines:
                if owner.setdefault(line, rules.id) != rules.id:
                    raise RuleError(f"product line {line!r} is claimed by {owner[line]} and {rules.id}")

    def add(self, rules: RuleSet) -> bool:
        """Take a version uploaded while running; False (and nothing changes) if that id@version is known.

        A version is never replaced: decisions name it, so what it said must stay what it says.
        """
        if any(r.id == rules.id and r.version == rules.version for r in self._all):
            return False
        candidate = sorted([*self._all, rules], key=lambda r: (r.id, r.version))
        RuleBook(candidate)  # the same consistency checks as at start (RuleError if it breaks them)
        self._all = candidate
        return True

    @property
    def rule_sets(self) -> list[RuleSet]:
        return list(self._all)

    def product_lines(self) -> set[str]:
        return {line for rules in self._all for line in rules.product_lines}

    def get(self, rule_set_id: str, version: int) -> RuleSet:
        for rules in self._all:
            if rules.id == rule_set_id and rules.version == version:
                return rules
        raise RuleError(f"no rule set {rule_set_id}@{version}")

    def in_force(self, rule_set_id: str, at: datetime) -> RuleSet:
        """The newest version of a rule set whose effective_from is not after ``at``."""
        versions = [r for r in self._all if r.id == rule_set_id and r.effective_from <= at]
        if not versions:
            raise RuleError(f"no version of rule set {rule_set_id!r} is in force at {at.isoformat()}")
        return versions[-1]

    def for_product_line(self, product_line: str, at: datetime) -> RuleSet:
        """The rule set in force at ``at`` for a product line; RuleError if no rule set governs it."""
        ids = {r.id for r in self._all if product_line in r.product_lines}
        if not ids:
            known = ", ".join(sorted(self.product_lines()))
            raise RuleError(f"unknown product line {product_line!r}; known: {known}")
        return self.in_force(ids.pop(), at)


def _parse(path: Path) -> RuleSet:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        return RuleSet.model_validate(document)
    except (yaml.YAMLError, ValidationError) as exc:
        raise RuleError(f"invalid rule file {path.name}: {exc}") from exc
