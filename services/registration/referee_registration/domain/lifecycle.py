"""The lead lifecycle as a state machine: which moves are allowed, and a clear refusal for the rest."""

from __future__ import annotations

from enum import StrEnum


class LeadStatus(StrEnum):
    SUBMITTED = "submitted"
    CHECKING = "checking"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    HELD = "held"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    PROPOSAL = "proposal"
    NEGOTIATION = "negotiation"
    WON = "won"
    LOST = "lost"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    TRANSFERRED = "transferred"


SALES_STAGES = (LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.PROPOSAL, LeadStatus.NEGOTIATION)
# A lead with a live lock: it can still move through the sales stages, be won, lost or withdrawn,
# lose its lock by expiry, or be handed to another partner by an arbitration ruling.
_LOCKED = (LeadStatus.ACCEPTED, *SALES_STAGES)
_LEAVING_LOCK = (
    LeadStatus.WON,
    LeadStatus.LOST,
    LeadStatus.WITHDRAWN,
    LeadStatus.EXPIRED,
    LeadStatus.TRANSFERRED,
)


def _stage_rank(status: LeadStatus) -> int:
    """Accepted comes before every sales stage; stages only move forward."""
    return SALES_STAGES.index(status) if status in SALES_STAGES else -1


ALLOWED: dict[LeadStatus, frozenset[LeadStatus]] = {
    LeadStatus.SUBMITTED: frozenset({LeadStatus.CHECKING, LeadStatus.REJECTED}),
    LeadStatus.CHECKING: frozenset({LeadStatus.ACCEPTED, LeadStatus.REJECTED, LeadStatus.HELD}),
    LeadStatus.HELD: frozenset({LeadStatus.ACCEPTED, LeadStatus.REJECTED}),
    **{
        stage: frozenset({s for s in SALES_STAGES if SALES_STAGES.index(s) > _stage_rank(stage)} | set(_LEAVING_LOCK))
        for stage in _LOCKED
    },
    LeadStatus.REJECTED: frozenset(),
    LeadStatus.WON: frozenset(),
    LeadStatus.LOST: frozenset(),
    LeadStatus.WITHDRAWN: frozenset(),
    LeadStatus.EXPIRED: frozenset(),
    LeadStatus.TRANSFERRED: frozenset(),
}


class IllegalTransition(Exception):
    """A move the lifecycle does not allow, e.g. a rejected lead marked won."""

    def __init__(self, current: LeadStatus, target: LeadStatus) -> None:
        allowed = ", ".join(sorted(s.value for s in ALLOWED[current])) or "none (final)"
        super().__init__(f"a lead that is {current.value} cannot become {target.value}; allowed: {allowed}")
        self.current = current
        self.target = target


def transition(current: LeadStatus, target: LeadStatus) -> LeadStatus:
    """Return ``target`` if the lifecycle allows moving there from ``current``; raise IllegalTransition otherwise."""
    if target not in ALLOWED[current]:
        raise IllegalTransition(current, target)
    return target


def holds_lock(status: LeadStatus) -> bool:
    return status in _LOCKED


FUNNEL_ORDER: tuple[LeadStatus, ...] = (
    LeadStatus.SUBMITTED,
    LeadStatus.CHECKING,
    LeadStatus.HELD,
    LeadStatus.ACCEPTED,
    *SALES_STAGES,
    LeadStatus.WON,
    LeadStatus.LOST,
    LeadStatus.REJECTED,
    LeadStatus.WITHDRAWN,
    LeadStatus.EXPIRED,
    LeadStatus.TRANSFERRED,
)
"""The order a funnel report lists the statuses in: the way in, the sales stages, the outcomes."""
