"""What a claimant is not told: who holds the customer it disputes. Reviewers and arbiters see it;
the respondent knows itself. Registration promises a refused partner "until when, never by whom"."""

from __future__ import annotations

import json
from typing import TypeVar

from pydantic import BaseModel

from referee_shared.auth import Principal, Role

from .store import Dispute

RESPONDENT = "respondent"
M = TypeVar("M", bound=BaseModel)


def hidden_from(principal: Principal, dispute: Dispute) -> set[str]:
    """The party ids this caller may not read in this dispute's answers."""
    if principal.role is not Role.PARTNER or principal.partner_id != dispute.claimant_id:
        return set()
    return hidden_from_claimant(dispute)


def hidden_from_claimant(dispute: Dispute) -> set[str]:
    """Who the claimant is not told about: the respondents and the holder (HQ's disputes hide nobody)."""
    if dispute.opened_by != "partner":
        return set()
    others = {*dispute.respondent_ids, dispute.holder_id}
    return {party for party in others if party and party != dispute.claimant_id}


def redact(view: M, hidden: set[str]) -> M:
    """The same view with every mention of a hidden party (ids, summaries, statements) replaced."""
    if not hidden:
        return view
    text = view.model_dump_json()
    for party in sorted(hidden, key=len, reverse=True):
        text = text.replace(json.dumps(party)[1:-1], RESPONDENT)
    return type(view).model_validate_json(text)
