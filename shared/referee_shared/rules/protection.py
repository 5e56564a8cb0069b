"""How long a registration protects a customer, and what keeps or extends that protection."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ExtensionPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_extensions: int = Field(default=1, ge=0, description="how many extensions a lock may get")
    max_days_each: int = Field(default=30, ge=1, description="longest single extension")
    review_deadline_hours: int = Field(default=48, ge=1, description="reviewer's deadline to decide")


class FollowUpPolicy(BaseModel):
    """A qualifying activity pushes expiry to activity time + extend_days, capped by max_total_days."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    activity_kinds: list[str] = Field(default_factory=lambda: ["visit", "meeting", "quote", "check_in"])
    extend_days: int = Field(default=30, ge=1)
    max_total_days: int = Field(default=180, ge=1, description="cap on protection counted from the lock's start")


class ProtectionRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period_days: int = Field(default=90, ge=1, description="protection period of a new lock")
    reminder_days_before: list[int] = Field(default_factory=lambda: [7], description="reminders before expiry")
    extension: ExtensionPolicy = Field(default_factory=ExtensionPolicy)
    follow_up: FollowUpPolicy = Field(default_factory=FollowUpPolicy)
