"""Who sees which dispute: HQ sees all, a regional reviewer its regions', a partner only its own."""

from __future__ import annotations

from referee_shared.auth import Principal, Role

from ..domain.status import DisputeStatus
from ..store import Dispute


class Refused(Exception):
    """A request arbitration will not carry out; ``status`` is the HTTP status that says why."""

    def __init__(self, status: int, reason: str, reason_code: str | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.reason_code = reason_code


def is_staff(principal: Principal) -> bool:
    return principal.role in (Role.REVIEWER, Role.ARBITER, Role.ADMIN)


def may_see(principal: Principal, dispute: Dispute) -> bool:
    if principal.role in (Role.ADMIN, Role.ARBITER):
        return True
    if principal.role is Role.REVIEWER:
        return not principal.regions or any(dispute.region.startswith(region) for region in principal.regions)
    if principal.role is Role.PARTNER and principal.partner_id:
        if dispute.state is DisputeStatus.REFUSED:
            return principal.partner_id == dispute.claimant_id  # a refusal concerns the claimant only
        return principal.partner_id in dispute.parties
    return False


def party_of(principal: Principal, dispute: Dispute) -> str:
    """The party a partner acts for in this dispute; Refused if it is not one."""
    if principal.role is not Role.PARTNER or principal.partner_id not in dispute.parties:
        raise Refused(403, "only the parties to a dispute may do this")
    return principal.partner_id
