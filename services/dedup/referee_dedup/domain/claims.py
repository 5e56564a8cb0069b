"""A claim on a customer as dedup's rules see it: the request, the facts loaded for it, and the decision."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from .matching import Candidate
from .profile import Profile
from .territory import ProtectedNearby


class Verdict(StrEnum):
    UNIQUE = "unique"
    DUPLICATE = "duplicate"
    POSSIBLE = "possible"
    REFUSED = "refused"
    RELATED = "related"  # another branch of an organisation someone protects (a conflict only where the rules say)


@dataclass(frozen=True, slots=True)
class Reason:
    """One piece of a verdict's explanation: which field or rule, how strongly (0..1), in words."""

    field: str
    score: float
    detail: str


@dataclass(frozen=True, slots=True)
class ClaimRequest:
    """A partner's claim on a customer, as the rules see it."""

    lead_id: UUID
    partner_id: str
    channel: str
    amount: Decimal
    name: str
    department: str | None
    customer: Profile
    written: Mapping[str, object]  # the identity as the partner wrote it, shown to a reviewer
    new_customer_key: str  # the key the customer gets if no known one matches
    received_at: datetime | None = None  # the system time of the registration (the cooling-off counts to it)

    @property
    def point(self) -> tuple[float, float] | None:
        lat, lon = self.customer.lat, self.customer.lon
        return (lat, lon) if lat is not None and lon is not None else None


@dataclass(frozen=True, slots=True)
class Protection:
    """A claim on an account or one slice of it (active or not) and the lead holding it."""

    account: str
    slice: str | None
    lead_id: UUID
    partner_id: str
    active: bool
    protected_until: datetime


@dataclass(frozen=True, slots=True)
class Binding:
    """A slice of an account bound to one partner by an administrator."""

    account: str
    slice: str
    partner_id: str


@dataclass(frozen=True, slots=True)
class ReviewedPair:
    """A reviewer's word that two customers are the same or distinct."""

    customer_key: str
    other_key: str
    relation: str  # same, distinct

    def about(self, key: str) -> bool:
        return key in (self.customer_key, self.other_key)


@dataclass(frozen=True, slots=True)
class Known:
    """What the rules look at besides the request; loaded for every candidate's account."""

    candidates: Sequence[Candidate]  # best first, aliases already resolved to their customer
    claims: Sequence[Protection] = ()
    bindings: Sequence[Binding] = ()
    pair_decisions: Sequence[ReviewedPair] = ()
    nearby: Sequence[ProtectedNearby] = ()  # protected customers around the point, when the radius rule applies
    related: Sequence[Candidate] = ()  # other branches of the same organisation (or its head office), best first


@dataclass(frozen=True, slots=True)
class ReviewAsk:
    """A claim held for a reviewer: what to ask and what the reviewer sees."""

    kind: str  # possible_duplicate, cross_region
    title: str
    choices: tuple[str, ...]
    default_choice: str  # the conservative choice, applied when nobody decides
    details: Mapping[str, object]
    candidates: tuple[Mapping[str, object], ...]


@dataclass(frozen=True, slots=True)
class ClaimOf:
    """The account (or slice of it) a unique claim takes; ``new`` when the customer is not known yet."""

    account: str
    slice: str | None
    new: bool


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    customer_key: str
    code: str
    reason: str
    explanation: tuple[Reason, ...] = ()
    matched: str | None = None
    protected_until: datetime | None = None
    review: ReviewAsk | None = None
    claim: ClaimOf | None = None
