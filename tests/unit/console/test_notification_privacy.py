"""Notifications never name another partner's customer, nor the other partner: what a lock change says to
each side, checked against every customer and party identifier the event carries."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from referee_console.notifications.routing import lock_changed
from referee_shared.events.leads import LockChange, LockChanged

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def transfer(customer_key: str) -> LockChanged:
    return LockChanged(
        lock_id=uuid4(),
        lead_id=uuid4(),
        partner_id="dealer-shaoxing",
        customer_key=customer_key,
        change=LockChange.TRANSFERRED,
        expires_at=NOW + timedelta(days=90),
        at=NOW,
        reason="ruling: 杭州某某建材城有限公司 goes to dealer-shaoxing",
        previous_partner_id="dealer-hangzhou",
        previous_lead_id=uuid4(),
        rule_set="building-materials",
        rule_version=1,
    )


def test_a_partner_that_lost_a_customer_by_a_ruling_reads_neither_the_customer_nor_who_gained_it() -> None:
    event = transfer("uscc:91330106MA2XXXXXX1")
    gained, lost = lock_changed(event)
    assert gained.audience.partner_id == "dealer-shaoxing"
    assert lost.audience.partner_id == "dealer-hangzhou"
    told = json.dumps({"params": lost.params, "link": lost.link}, ensure_ascii=False)
    for hidden in ("dealer-shaoxing", event.customer_key, "杭州某某建材城", str(event.lead_id)):
        assert hidden not in told
    assert lost.link == f"/partner/leads/{event.previous_lead_id}"  # its own lead, nothing else
    assert "dealer-hangzhou" not in json.dumps(gained.params, ensure_ascii=False)
