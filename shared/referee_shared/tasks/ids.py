"""Stable ids for the steps of a workflow, so an activity run twice is recognised as done."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5


def step_id(*parts: object) -> UUID:
    """The same parts give the same id, in every process and on every retry."""
    return uuid5(NAMESPACE_URL, "referee:" + ":".join(str(p) for p in parts))
