"""Integration tests run against the real Kafka, Temporal and PostgreSQL (``make test`` starts them)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ..stack import Stack, infrastructure_problems, new_prefix
from ..time_skipping import time_skipping

__all__ = ["time_skipping"]  # the one time-skipping fixture, for a stack that skips months

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
async def infrastructure() -> None:
    problems = await infrastructure_problems()
    if problems:
        pytest.fail(
            "integration tests need the real infrastructure; start it with `deploy/infra.sh up` "
            "(or run `make test`):\n  " + "\n  ".join(problems),
            pytrace=False,
        )


@pytest.fixture(scope="session")
async def stack(infrastructure: None) -> AsyncIterator[Stack]:
    """One instance of every service, shared by the tests of a session (each test uses its own customers)."""
    shared = Stack(
        new_prefix("shared"),
        dict.fromkeys(("registration", "dedup", "qualification", "arbitration", "settlement"), 1),
    )
    await shared.start()
    yield shared
    await shared.stop()
