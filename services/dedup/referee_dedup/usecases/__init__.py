"""What dedup does, by concern: claims (``claims.py``), reviews (``reviews.py``), lock changes
(``lock_changes.py``), the demand board's plans and visits (``board.py``); ``records.py`` holds what a
decision writes for both claims and reviews.

``Dedup`` wires them over one in-memory index and is what handlers, routes and activities hold.
"""

from __future__ import annotations

from referee_shared.events.checks import DedupRequested
from referee_shared.events.envelope import Envelope
from referee_shared.events.leads import LockChanged
from referee_shared.outbox import Transactions
from referee_shared.rules.rulebook import RuleBook
from referee_shared.settings import ServiceSettings

from ..index_file import database_identity
from ..index_sync import IndexFollower
from ..ports import ReviewScheduler
from ..settings import DedupSettings
from ..workflows.models import ReviewDecision
from .board import BoardPosts
from .claims import Claims
from .lock_changes import LockChanges
from .reviews import Reviews

__all__ = ["BoardPosts", "Claims", "Dedup", "LockChanges", "Reviews"]


class Dedup:
    def __init__(
        self, transactions: Transactions, rules: RuleBook, reviews: ReviewScheduler, settings: ServiceSettings
    ) -> None:
        self.follower = _follower(settings)
        self.reviews = Reviews(transactions, rules, reviews, settings, self.follower)
        self.claims = Claims(transactions, rules, self.reviews, self.follower)
        self.lock_changes = LockChanges(transactions)
        self.board = BoardPosts(transactions, rules, reviews)

    async def check(self, event: Envelope[DedupRequested]) -> None:
        await self.claims.check(event)

    async def lock_changed(self, event: Envelope[LockChanged]) -> None:
        await self.lock_changes.apply(event)

    async def apply_review(self, decision: ReviewDecision) -> str:
        return await self.reviews.apply_review(decision)


def _follower(settings: ServiceSettings) -> IndexFollower:
    if not isinstance(settings, DedupSettings):
        return IndexFollower()
    return IndexFollower(
        settings.resolved_index_file(),
        database=database_identity(settings.resolved_database_url()),
        save_every=settings.index_save_every,
    )
