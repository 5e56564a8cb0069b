"""The guard behind 'no transaction across a call': a task holding a write transaction may not call out."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from referee_registration.store import Base, messaging
from referee_shared.calls import CallInsideTransaction, no_transaction_open, transaction_open
from referee_shared.clock import SystemClock
from referee_shared.db.engine import make_engine, make_sessions
from referee_shared.outbox import Transactions


def test_a_call_is_refused_inside_a_transaction_and_allowed_after_it() -> None:
    no_transaction_open("before")
    with transaction_open(), pytest.raises(CallInsideTransaction, match="start of lock-1 awaited inside an open"):
        no_transaction_open("start of lock-1")
    no_transaction_open("after")


async def test_other_tasks_are_not_held_by_one_task_s_transaction() -> None:
    entered, release = asyncio.Event(), asyncio.Event()

    async def holding() -> None:
        with transaction_open():
            entered.set()
            await release.wait()

    holder = asyncio.create_task(holding())
    await entered.wait()
    no_transaction_open("another task's call")
    release.set()
    await holder


async def test_transactions_begin_marks_the_task_until_it_commits(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'calls.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    transactions = Transactions(
        make_sessions(engine), messaging, producer="registration", topic_prefix="", clock=SystemClock()
    )
    async with transactions.begin():
        with pytest.raises(CallInsideTransaction):
            no_transaction_open("signal")
    no_transaction_open("signal after the commit")
    await engine.dispose()
