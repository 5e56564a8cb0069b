"""Workflow timelines on Temporal's time-skipping test server: days pass in milliseconds."""

from __future__ import annotations

from ..time_skipping import time_skipping

__all__ = ["time_skipping"]
