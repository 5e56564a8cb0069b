"""The one time-skipping Temporal test server fixture: days pass in milliseconds.

Every workflow test uses ``time_skipping`` (tests/workflows/conftest.py imports it); a test whose
services connect by address (an integration stack) imports it too and reads ``address_of``.
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


@pytest.fixture(scope="module")
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server per test module. Time is global to a server and skips only while no workflow
    task waits for a worker, so one module's unfinished workflows (their workers gone) would hold it still
    for the next module; within a module, tests run one after the other."""
    env = await _start()
    yield env
    await env.shutdown()


def address_of(env: WorkflowEnvironment) -> str:
    """Where the test server listens, for services that connect to Temporal themselves."""
    return env.client.service_client.config.target_host
