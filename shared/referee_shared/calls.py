"""No transaction stays open across a call to Temporal or to another service.

A write transaction held while a workflow's activity (or another service) writes the same database
deadlocks on SQLite and holds row locks and a connection on PostgreSQL, for as long as the other side
takes, outage included. ``Transactions.begin`` marks the task that holds one; every Temporal client call
(``temporal.NoTransactionAcrossCalls``) and every call to another service checks the mark, so a use case
that waits inside its transaction fails in the tests instead of deadlocking in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_open_transaction: ContextVar[bool] = ContextVar("referee_open_transaction", default=False)


class CallInsideTransaction(RuntimeError):
    """A call to Temporal or another service was awaited while this task held a database transaction."""


@contextmanager
def transaction_open() -> Iterator[None]:
    """Marks the current task as holding a write transaction for the duration of the block."""
    token = _open_transaction.set(True)
    try:
        yield
    finally:
        _open_transaction.reset(token)


def no_transaction_open(call: str) -> None:
    """Raise ``CallInsideTransaction`` when the current task holds a write transaction."""
    if _open_transaction.get():
        raise CallInsideTransaction(
            f"{call} awaited inside an open database transaction: commit first (write and outbox), then call; "
            "see 'No transaction across a call' in docs/development.md"
        )
