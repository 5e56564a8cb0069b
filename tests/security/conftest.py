"""The security suite replays the attacks of issue 11 on the services, each asserting its documented refusal."""

from __future__ import annotations

from ..unit.conftest import system

__all__ = ["system"]
