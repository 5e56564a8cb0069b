"""The demand board: when two partners' visits to one contact collide, and how long a reviewer has to look."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class BoardRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    visit_clash_days: int = Field(
        default=7,
        ge=0,
        le=90,
        description="a visit to a contact another partner visits within this many days (either side) is flagged",
    )
    clash_review_hours: int = Field(
        default=72, ge=1, description="the reviewer's deadline on a clashing visit that happened anyway"
    )
