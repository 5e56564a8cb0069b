"""A transfer ruling on the default SQLite set-up: the lock workflow's transfer activity writes the same
database the ruling's consumer reads, so no transaction may stay open while the workflow is asked. Before,
``transfer_lock`` failed with ``database is locked`` and every later write waited behind it. (The same
ruling on PostgreSQL: test_registration_lifecycle.)"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from referee_shared.events.disputes import DisputeRuling, RulingOutcome
from referee_shared.events.leads import DecisionOutcome, LockChange
from referee_shared.topics import DISPUTES_RULINGS, LEADS_DECISIONS, LEADS_LOCKS, LEADS_SUBMITTED

from ..builders import customer, envelope, make_uscc, submission
from ..stack import Stack, new_prefix

pytestmark = pytest.mark.integration


@pytest.fixture
async def sqlite_stack(infrastructure: None, tmp_path: Path) -> AsyncIterator[Stack]:
    stack = Stack(
        new_prefix("sqlite"),
        {"registration": 1, "dedup": 1, "qualification": 1},
        service_overrides={"registration": {"database_url": f"sqlite+aiosqlite:///{tmp_path / 'registration.db'}"}},
    )
    await stack.start()
    yield stack
    await stack.stop()


async def test_a_transfer_ruling_on_sqlite_moves_the_lock_and_registration_keeps_deciding(sqlite_stack: Stack) -> None:
    stack = sqlite_stack
    who = customer("杭州SQLite转移客户有限公司", uscc=make_uscc(uuid.uuid4().int % 10**9))
    holder, claimant = submission("dealer-hangzhou", who=who), submission("dealer-shaoxing", who=who)
    await stack.publish(LEADS_SUBMITTED, envelope(holder), key=str(holder.lead_id))
    [decided] = await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == holder.lead_id, timeout=60)
    assert decided.payload.outcome is DecisionOutcome.ACCEPTED, decided.payload.reason
    await stack.publish(LEADS_SUBMITTED, envelope(claimant), key=str(claimant.lead_id))
    await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == claimant.lead_id, timeout=60)
    ruling = DisputeRuling(
        dispute_id=uuid.uuid4(), outcome=RulingOutcome.TRANSFERRED, reason="Shaoxing's visits predate the registration",
        decided_by="hq.wang", level=2, lead_id=holder.lead_id, new_holder_id="dealer-shaoxing",
        rule_set="building-materials", rule_version=1, evidence_digest="cd" * 32, decided_at=datetime.now(UTC),
    )  # fmt: skip

    await stack.publish(DISPUTES_RULINGS, envelope(ruling, producer="arbitration"), key=str(ruling.dispute_id))

    [moved] = await stack.events(LEADS_LOCKS, lambda e: e.payload.previous_lead_id == holder.lead_id, timeout=30)
    assert moved.payload.change is LockChange.TRANSFERRED
    assert moved.payload.partner_id == "dealer-shaoxing"
    later = submission("dealer-hangzhou", who=customer("杭州SQLite后续客户", uscc=make_uscc(uuid.uuid4().int % 10**9)))
    await stack.publish(LEADS_SUBMITTED, envelope(later), key=str(later.lead_id))
    await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == later.lead_id, timeout=30)
