"""A per-user limit on how often something may be asked: at most ``limit`` times in any ``window``.

The protection hint asks dedup a staff question for the partner; without a limit a partner could probe
the customer base name by name. The count is kept in memory per console instance (a partner spread over
several instances gets their sum, still bounded).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta


class RateLimit:
    def __init__(self, limit: int, window: timedelta, clock: Callable[[], datetime]) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._asked: dict[str, deque[datetime]] = {}

    def allow(self, who: str) -> bool:
        """Whether ``who`` may ask now; an allowed ask is counted, a refused one is not."""
        now = self._clock()
        asked = self._asked.setdefault(who, deque())
        while asked and asked[0] <= now - self._window:
            asked.popleft()
        if len(asked) >= self._limit:
            return False
        asked.append(now)
        if len(self._asked) > 10_000:  # forget users who asked nothing within the window
            self._asked = {k: v for k, v in self._asked.items() if v and v[-1] > now - self._window}
        return True
