"""The qualification tests' system: three services on the in-memory broker (see harness.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from .harness import QualificationSystem, running_system


@pytest.fixture
async def system(tmp_path: Path) -> AsyncIterator[QualificationSystem]:
    async with running_system(tmp_path) as built:
        yield built
