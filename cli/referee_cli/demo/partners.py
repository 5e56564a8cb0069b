"""The demo's partners, put in the partner registry before the cases play: channel and status come from here."""

from __future__ import annotations

from referee_shared.auth import Role
from referee_shared.events.common import Channel

from .client import DemoClient

PARTNERS: tuple[tuple[str, str, Channel], ...] = (
    ("dealer-hangzhou", "杭州建材经销商", Channel.DEALER),
    ("dealer-shaoxing", "绍兴建材经销商", Channel.DEALER),
    ("agent-li", "李代理（医疗）", Channel.AGENT),
    ("agent-wang", "王代理（医疗）", Channel.AGENT),
    ("agent-zhang", "张代理（工业）", Channel.AGENT),
    ("direct-east", "华东直销团队", Channel.DIRECT),
)


async def seed_partners(demo: DemoClient) -> None:
    """Register every demo partner (again: an unchanged record records nothing new)."""
    async with demo.http("registration", Role.ADMIN, "channel-admin") as registration:
        for partner_id, name, channel in PARTNERS:
            record: dict[str, object] = {
                "partner_id": partner_id,
                "name": name,
                "channel": channel.value,
                "regions": [],
                "status": "active",
            }
            answer = await registration.put(f"/partners/{partner_id}", json=record)
            answer.raise_for_status()
