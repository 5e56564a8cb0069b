"""A rule set: every rule one industry's registrations are decided by, under one id and version."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from .arbitration import ArbitrationRules
from .board import BoardRules
from .dedup import DedupRules
from .limits import LimitRules
from .protection import ProtectionRules
from .qualification import QualificationRules
from .settlement import SettlementRules
from .territory import TerritoryRules
from .tiers import TierRules


class RuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9\-]+$")
    version: int = Field(ge=1)
    effective_from: AwareDatetime
    title: str
    product_lines: list[str] = Field(min_length=1, description="the product lines this rule set governs")
    protection: ProtectionRules = Field(default_factory=ProtectionRules)
    territory: TerritoryRules = Field(default_factory=TerritoryRules)
    dedup: DedupRules = Field(default_factory=DedupRules)
    qualification: QualificationRules = Field(default_factory=QualificationRules)
    tiers: TierRules = Field(default_factory=TierRules)
    settlement: SettlementRules = Field(default_factory=SettlementRules)
    arbitration: ArbitrationRules = Field(default_factory=ArbitrationRules)
    limits: LimitRules = Field(default_factory=LimitRules)
    board: BoardRules = Field(default_factory=BoardRules)

    @property
    def ref(self) -> str:
        """How decisions name the rule set: id@version."""
        return f"{self.id}@{self.version}"
