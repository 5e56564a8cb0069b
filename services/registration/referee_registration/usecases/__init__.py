"""What the registration service does, one module per concern, all written against ports."""

from __future__ import annotations

from dataclasses import dataclass

from ..inbox.usecases import Inbox
from ..partners.usecases import PartnerDirectory
from ..views.evidence import EvidenceQueries
from ..views.funnel import Funnel
from .followup import FollowUps
from .intake import Registration
from .locks import LockKeeping
from .sales import SalesProgress

__all__ = [
    "EvidenceQueries",
    "FollowUps",
    "Funnel",
    "LockKeeping",
    "Registration",
    "RegistrationUseCases",
    "SalesProgress",
]


@dataclass(frozen=True)
class RegistrationUseCases:
    """Every use case of the service, as the composition root wired them."""

    intake: Registration
    locks: LockKeeping
    sales: SalesProgress
    follow_ups: FollowUps
    evidence: EvidenceQueries
    funnel: Funnel
    inbox: Inbox
    partners: PartnerDirectory
