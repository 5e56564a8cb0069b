"""Internal payload about rule sets: a new version uploaded by a channel manager, read by every service instance."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, Field

from .envelope import Payload


class RuleVersionPublished(Payload):
    """A validated version of a rule set, who uploaded it and why; it governs decisions from its effective_from."""

    event_type = "rules.version"

    rule_set: dict[str, Any] = Field(description="the rule set document (the same fields as a rules/*.yaml file)")
    uploaded_by: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=2000, description="why the rules change, for the record")
    uploaded_at: AwareDatetime
