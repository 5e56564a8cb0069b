"""Who a notification is for: one partner's users, or the staff of a role (within a region, if it names one).

The same rule as registration's inbox: a staff user without regions sees every region of the role; the
admin sees every staff notification. A partner notification reaches only that partner's users.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..roles import ConsoleRole
from ..users import User


@dataclass(frozen=True)
class Audience:
    partner_id: str | None = None
    role: str | None = None
    region: str | None = None

    @classmethod
    def partner(cls, partner_id: str) -> Audience:
        return cls(partner_id=partner_id)

    @classmethod
    def staff(cls, role: str, region: str | None = None) -> Audience:
        return cls(role=role, region=region)

    @property
    def key(self) -> str:
        """Distinguishes the audiences of one event (a notification is stored once per audience)."""
        if self.partner_id is not None:
            return f"partner:{self.partner_id}"
        return f"role:{self.role}@{self.region or '*'}"


def reaches(audience: Audience, user: User) -> bool:
    if audience.partner_id is not None:
        return user.role is ConsoleRole.PARTNER and user.partner_id == audience.partner_id
    if user.role is ConsoleRole.PARTNER or audience.role is None:
        return False
    if user.role is ConsoleRole.ADMIN:
        return True
    if user.role.value != audience.role:
        return False
    if not user.regions or audience.region is None:
        return True
    return any(audience.region.startswith(region) for region in user.regions)
