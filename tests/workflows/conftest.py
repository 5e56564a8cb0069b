"""Workflow timelines on Temporal's time-skipping test server: days pass in milliseconds."""

from __future__ import annotations

from ..time_skipping import fresh_time_skipping, time_skipping

__all__ = ["fresh_time_skipping", "time_skipping"]
