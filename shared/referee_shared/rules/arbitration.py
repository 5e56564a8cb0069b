"""Deadlines and windows of a dispute."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ArbitrationRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    statement_window_hours: int = Field(default=72, ge=1, description="parties may add statements this long")
    first_level_deadline_hours: int = Field(default=72, ge=1, description="regional reviewer's deadline")
    appeal_window_hours: int = Field(default=168, ge=1, description="after a ruling that may still be appealed")
    hq_deadline_hours: int = Field(default=120, ge=1)
    reminder_hours_before: int = Field(default=24, ge=1)
    min_reason_chars: int = Field(default=20, ge=1, description="a ruling's written reason is at least this long")
