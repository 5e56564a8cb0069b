"""The demo's people: one console user per party of the brief's three cases, and one per staff role."""

from __future__ import annotations

from .roles import ConsoleRole
from .users import Users

DEMO_PASSWORD = "referee"

# (username, display name, role, partner, channel, regions)
DEMO_USERS: list[tuple[str, str, ConsoleRole, str | None, str | None, list[str]]] = [
    ("hangzhou", "杭州经销商 · 王经理", ConsoleRole.PARTNER, "dealer-hangzhou", "dealer", []),
    ("shaoxing", "绍兴经销商 · 陈经理", ConsoleRole.PARTNER, "dealer-shaoxing", "dealer", []),
    ("li", "代理商 · 李先生", ConsoleRole.PARTNER, "agent-li", "agent", []),
    ("wang", "代理商 · 王先生", ConsoleRole.PARTNER, "agent-wang", "agent", []),
    ("zhang", "代理商 · 张先生", ConsoleRole.PARTNER, "agent-zhang", "agent", []),
    ("east", "华东直销团队", ConsoleRole.PARTNER, "direct-east", "direct", []),
    ("reviewer", "华东区域经理 · 刘审核", ConsoleRole.REVIEWER, None, None, ["浙江", "上海", "江苏"]),
    ("arbiter", "总部仲裁 · 周仲裁", ConsoleRole.ARBITER, None, None, []),
    ("finance", "财务 · 吴会计", ConsoleRole.FINANCE, None, None, []),
    ("manager", "渠道经理 · 郑经理", ConsoleRole.CHANNEL_MANAGER, None, None, []),
    ("admin", "系统管理员", ConsoleRole.ADMIN, None, None, []),
]


async def ensure_demo_users(users: Users) -> None:
    """Create the demo users when the console has none (an existing user base is never touched)."""
    if await users.count():
        return
    for username, name, role, partner, channel, regions in DEMO_USERS:
        await users.add(
            username, DEMO_PASSWORD, display_name=name, role=role, partner_id=partner, channel=channel, regions=regions
        )
