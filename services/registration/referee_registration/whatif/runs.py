"""What-if runs in the background: reading the history, then the two replays, with their progress, so
a channel manager's page (or the CLI) can show a progress bar and fetch the report when it is done."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol
from uuid import UUID, uuid4

from referee_shared.rules.rulebook import RuleBook
from referee_shared.rules.ruleset import RuleSet

from .history import History
from .report import WhatIfReport
from .tryout import what_if

log = logging.getLogger(__name__)
KEPT_RUNS = 20


class HistorySource(Protocol):
    async def read(self, until: datetime, progress: ReadProgress | None = None) -> History: ...


class ReadProgress(Protocol):
    def __call__(self, read: int, /) -> None: ...


class Stage(StrEnum):
    READING = "reading"
    REPLAYING = "replaying"
    DONE = "done"
    FAILED = "failed"


@dataclass
class Run:
    run_id: UUID
    draft: str
    months: int
    until: datetime
    started_by: str
    stage: Stage = Stage.READING
    read: int = 0
    replayed: int = 0
    to_replay: int = 0
    error: str | None = None
    report: WhatIfReport | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def progress(self) -> float:
        """0..1: reading counts for the first tenth, replaying for the rest."""
        if self.stage is Stage.DONE:
            return 1.0
        if self.stage is Stage.READING or self.to_replay == 0:
            return 0.0
        return round(0.1 + 0.9 * self.replayed / self.to_replay, 3)


class WhatIfRuns:
    """The latest runs of this instance (a run is cheap to repeat: the same inputs give the same report)."""

    def __init__(self, source: HistorySource, book: RuleBook, *, large_amount: Decimal) -> None:
        self._source = source
        self._book = book
        self._large = large_amount
        self._runs: OrderedDict[UUID, Run] = OrderedDict()

    def start(self, draft: RuleSet, *, months: int, until: datetime, started_by: str) -> Run:
        run = Run(uuid4(), draft.ref, months, until, started_by)
        self._runs[run.run_id] = run
        while len(self._runs) > KEPT_RUNS:
            self._runs.popitem(last=False)
        run.task = asyncio.create_task(self._run(run, draft))
        return run

    def get(self, run_id: UUID) -> Run | None:
        return self._runs.get(run_id)

    async def _run(self, run: Run, draft: RuleSet) -> None:
        try:
            history = await self._source.read(run.until, lambda read: setattr(run, "read", read))
            run.read, run.stage, run.to_replay = len(history.events), Stage.REPLAYING, 2 * len(history.events)

            def replayed(done: int, total: int) -> None:
                run.replayed, run.to_replay = done, total

            # The replay is CPU work: off the event loop, so the service keeps answering meanwhile.
            run.report = await asyncio.to_thread(
                what_if,
                history,
                RuleBook(self._book.rule_sets),  # a snapshot: an upload meanwhile changes nothing here
                draft,
                months=run.months,
                until=run.until,
                large_amount=self._large,
                progress=replayed,
            )
            run.stage = Stage.DONE
        except Exception as exc:  # a failed run says why; the service carries on
            log.exception("what-if run %s failed", run.run_id)
            run.stage, run.error = Stage.FAILED, f"{type(exc).__name__}: {exc}"
