"""Wakes the open live streams when notifications were stored, so the browser hears at once.

Streams read the store themselves (so two console instances behind one balancer both see everything);
the hub only spares them waiting for their next poll.
"""

from __future__ import annotations

import asyncio


class Hub:
    def __init__(self) -> None:
        self._waiting: set[asyncio.Event] = set()
        self.closing = False

    def bump(self) -> None:
        for event in self._waiting:
            event.set()

    def close(self) -> None:
        self.closing = True
        self.bump()

    async def wait(self, seconds: float) -> None:
        """Return when something new was stored, the console is closing, or after that many seconds."""
        event = asyncio.Event()
        self._waiting.add(event)
        try:
            await asyncio.wait_for(event.wait(), seconds)
        except TimeoutError:
            pass
        finally:
            self._waiting.discard(event)
