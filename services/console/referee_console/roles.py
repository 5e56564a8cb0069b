"""Who uses the console, and which service role acts for each of them."""

from __future__ import annotations

from enum import StrEnum

from referee_shared.auth import Role


class ConsoleRole(StrEnum):
    PARTNER = "partner"
    REVIEWER = "reviewer"
    ARBITER = "arbiter"
    FINANCE = "finance"
    CHANNEL_MANAGER = "channel_manager"
    ADMIN = "admin"


# A channel manager reads figures across partners, which only the admin service role may do; the console
# offers that person read-only pages, so the wider token never reaches a page that writes.
SERVICE_ROLE: dict[ConsoleRole, Role] = {
    ConsoleRole.PARTNER: Role.PARTNER,
    ConsoleRole.REVIEWER: Role.REVIEWER,
    ConsoleRole.ARBITER: Role.ARBITER,
    ConsoleRole.FINANCE: Role.FINANCE,
    ConsoleRole.CHANNEL_MANAGER: Role.ADMIN,
    ConsoleRole.ADMIN: Role.ADMIN,
}

HOME: dict[ConsoleRole, str] = {
    ConsoleRole.PARTNER: "/partner",
    ConsoleRole.REVIEWER: "/reviewer",
    ConsoleRole.ARBITER: "/arbiter",
    ConsoleRole.FINANCE: "/finance",
    ConsoleRole.CHANNEL_MANAGER: "/manager",
    ConsoleRole.ADMIN: "/manager",
}
