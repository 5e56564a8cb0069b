"""The security suite replays the attacks of issue 11, each asserting its documented refusal: HTTP attacks on
the in-memory services (``system``), message attacks through the real Kafka against a stack that signs,
verifies, takes partners from its registry and cross-checks deals and rulings, as `make demo` and production
do (``guarded``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from referee_shared.auth import Role
from referee_shared.trust.keys import new_private_key, write_private_key
from referee_shared.trust.local import init_trust_dir, key_path, registry_path
from referee_shared.trust.registry import Producer, ProducerRegistry

from ..arbitration_stack import CourtStack
from ..stack import Stack, infrastructure_problems, new_prefix
from ..unit.conftest import system

__all__ = ["guarded", "system"]

# A dealer's own portal, registered to speak for that dealer only.
HANGZHOU_PORTAL = "portal-hangzhou"
PARTNERS = {
    "dealer-hangzhou": ("杭州建材经销商", "dealer", "active"),
    "dealer-shaoxing": ("绍兴建材经销商", "dealer", "active"),
    "agent-zhang": ("张代理（工业）", "agent", "active"),
    "dealer-suspended": ("被暂停的经销商", "dealer", "suspended"),
}


def register_own_portal(stack: Stack) -> None:
    init_trust_dir(stack.trust_dir)
    key = new_private_key()
    write_private_key(key, key_path(stack.trust_dir, HANGZHOU_PORTAL))
    portal = Producer(
        HANGZHOU_PORTAL,
        (key.public_key(),),
        frozenset({"leads.submitted", "leads.activities", "disputes.opened"}),
        frozenset({"dealer-hangzhou"}),
        "dealer-hangzhou's own portal",
    )
    registry = ProducerRegistry.load(registry_path(stack.trust_dir))
    registry.with_producer(portal).save(registry_path(stack.trust_dir))


@pytest.fixture(scope="session")
async def guarded() -> AsyncIterator[Stack]:
    problems = await infrastructure_problems()
    if problems:
        pytest.fail("the security suite needs the real infrastructure:\n  " + "\n  ".join(problems), pytrace=False)
    stack = CourtStack(  # arbitration reads registration's evidence over HTTP, as it does when deployed
        new_prefix("sec"),
        dict.fromkeys(("registration", "dedup", "qualification", "arbitration", "settlement"), 1),
        overrides={"partner_registry_required": True, "cross_checks": True},
    )
    register_own_portal(stack)
    await stack.start()
    async with stack.http("registration", stack.token(Role.ADMIN, "channel-admin")) as http:
        for partner_id, (name, channel, status) in PARTNERS.items():
            record = {"partner_id": partner_id, "name": name, "channel": channel, "status": status}
            answer = await http.put(f"/partners/{partner_id}", json=record)
            assert answer.status_code == 200, answer.text
    yield stack
    await stack.stop()
