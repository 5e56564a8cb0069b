"""Which rulings a service acts on (issue 11: "a ruling is acted on only if it matches an open dispute decided by
an authorised arbiter"), for every service that acts on ``disputes.rulings`` (registration moves locks,
settlement moves credit).

Arbitration announces every step of a dispute on ``disputes.events``; a service keeps what it needs of each
dispute (``HeardDispute``): whether it was opened (not refused), its parties, and each ruling step with who took
it at which level. A ruling is acted on only when:

- its dispute was opened (a made-up id is ``unknown_dispute``; refused or already acted on is
  ``dispute_not_open``);
- a ruling step announced it: same arbiter, outcome and level (``ruling_not_announced``);
- the arbiter is not a party to the dispute (``arbiter_not_authorised``);
- the lead it moves is held by a party, and a transfer goes to a party (``not_a_party``).

Steps and rulings travel on different topics: a ruling that arrives before its steps is tried again later
(``later``), not refused at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from .events.disputes import DisputeProgressed, DisputeRuling, DisputeStep

OPEN, REFUSED, ACTED_ON = "open", "refused", "acted_on"
REDACTED = "respondent"
"""how the claimant's copy of a step names the holder; never a party of its own"""


class HeardDispute(Protocol):
    """A dispute as its steps were heard (a service's own row)."""

    status: str
    parties: list[Any]
    rulings: list[Any]
    """every ruling step announced: {"by", "outcome", "level"}"""


def hear(dispute: HeardDispute, step: DisputeProgressed) -> None:
    """Fold one announced step into what the service knows of the dispute."""
    if step.step is DisputeStep.REFUSED:
        dispute.status = REFUSED
    if step.step is DisputeStep.OPENED:  # each party's copy; the claimant's does not name the respondent
        dispute.parties = sorted({*dispute.parties, *step.parties} - {REDACTED})
    if step.step is DisputeStep.RULED and step.outcome is not None and step.level is not None:
        dispute.rulings = [*dispute.rulings, {"by": step.actor, "outcome": step.outcome.value, "level": step.level}]


@dataclass(frozen=True)
class RulingRefused:
    code: str
    reason: str
    later: bool = False
    """True when what is missing may still arrive on disputes.events: try again, then dead-letter"""


def ruling_refusal(
    dispute: HeardDispute | None, ruling: DisputeRuling, lead_holder: str | None
) -> RulingRefused | None:
    """Why ``ruling`` may not be acted on (None: it may); ``lead_holder`` holds the lead it names, if known."""

    def refused(code: str, reason: str, *, later: bool = False) -> RulingRefused:
        return RulingRefused(code, f"{code}: {reason}", later)

    if dispute is None:
        return refused(
            "unknown_dispute",
            f"ruling names dispute {ruling.dispute_id}, which arbitration never opened",
            later=True,
        )
    if dispute.status != OPEN:
        return refused("dispute_not_open", f"dispute {ruling.dispute_id} is {dispute.status}")
    announced = {"by": ruling.decided_by, "outcome": ruling.outcome.value, "level": ruling.level}
    if announced not in dispute.rulings:
        return refused(
            "ruling_not_announced",
            f"no {ruling.outcome.value} ruling by {ruling.decided_by} at level {ruling.level} was announced on "
            f"dispute {ruling.dispute_id}",
            later=True,
        )
    if ruling.decided_by in dispute.parties:
        return refused(
            "arbiter_not_authorised",
            f"{ruling.decided_by} is a party to dispute {ruling.dispute_id} and may not rule on it",
        )
    if lead_holder is not None and lead_holder not in dispute.parties:
        return refused(
            "not_a_party",
            f"lead {ruling.lead_id} is held by {lead_holder}, not a party to dispute {ruling.dispute_id}",
        )
    if ruling.new_holder_id is not None and ruling.new_holder_id not in dispute.parties:
        return refused(
            "not_a_party",
            f"the ruling gives the customer to {ruling.new_holder_id}, not a party to dispute {ruling.dispute_id}",
        )
    return None
