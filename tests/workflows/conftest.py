"""Workflow timelines on Temporal's time-skipping test server: days pass in milliseconds."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from referee_shared.settings import REPO_ROOT


@pytest.fixture(scope="session")
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    """One time-skipping server for the session (time is global to it, so tests do not run concurrently)."""
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=str(REPO_ROOT / ".venv" / "bin" / "temporal-test-server"),
    )
    yield env
    await env.shutdown()
