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


# A channel manager has a service role of its own: it reads the funnel, the figures and the board, and the
# services refuse it everything else.
SERVICE_ROLE: dict[ConsoleRole, Role] = {
    ConsoleRole.PARTNER: Role.PARTNER,
    ConsoleRole.REVIEWER: Role.REVIEWER,
    ConsoleRole.ARBITER: Role.ARBITER,
    ConsoleRole.FINANCE: Role.FINANCE,
    ConsoleRole.CHANNEL_MANAGER: Role.CHANNEL_MANAGER,
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
