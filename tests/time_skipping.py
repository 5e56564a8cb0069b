"""The one time-skipping Temporal test server fixture: days pass in milliseconds.

Every workflow test uses ``time_skipping`` (tests/workflows/conftest.py imports it; a test that skips
months beside other tests' workflows takes ``fresh_time_skipping``); a test whose services connect by
address (an integration stack) imports it too and reads ``address_of``.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from referee_shared.settings import REPO_ROOT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _start() -> WorkflowEnvironment:
    return await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=str(REPO_ROOT / ".venv" / "bin" / "temporal-test-server"),
        port=_free_port(),
    )


@pytest.fixture(scope="session")
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    """One time-skipping server for the session (time is global to it, so tests do not run concurrently)."""
    env = await _start()
    yield env
    await env.shutdown()


@pytest.fixture
async def fresh_time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    """A server of its own, for a test that skips months with services that connect to Kafka and PostgreSQL
    clocks: the session's server carries other tests' unfinished workflows, whose timers all fire then."""
    env = await _start()
    yield env
    await env.shutdown()


def address_of(env: WorkflowEnvironment) -> str:
    """Where the test server listens, for services that connect to Temporal themselves."""
    return env.client.service_client.config.target_host
