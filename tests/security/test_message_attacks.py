"""Every message attack of issue 11 fails with its documented reason; the honest paths still work."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from referee_shared.events.common import Channel
from referee_shared.events.deals import DealOutcome
from referee_shared.events.disputes import DisputeRuling, OpenedBy, RulingOutcome
from referee_shared.events.envelope import Envelope
from referee_shared.events.leads import ActivityKind, DecisionOutcome, LeadActivity, LeadSubmitted, LockChange
from referee_shared.kafka.deadletter import DeadLetter
from referee_shared.topics import (
    DEALS_CLOSED,
    DISPUTES_OPENED,
    DISPUTES_RULINGS,
    LEADS_ACTIVITIES,
    LEADS_DECISIONS,
    LEADS_LOCKS,
    LEADS_SUBMITTED,
    LEADS_TRANSITIONS,
    dead_letter_topic,
)
from referee_shared.trust.local import signer_for

from ..arbitration_builders import dispute_by
from ..builders import customer, deal_closed, envelope, make_uscc, submission
from ..stack import Stack
from .conftest import HANGZHOU_PORTAL


async def dead_letter(stack: Stack, service: str, key: str) -> DeadLetter:
    assert stack.watcher is not None
    # The service's own letter: a read model's second subscription to the topic (the figures) writes its own.
    [seen] = await stack.watcher.wait_for(
        stack.topic(dead_letter_topic(service)),
        lambda s: s.key == key.encode() and DeadLetter.model_validate_json(s.value).consumer == service,
    )
    return DeadLetter.model_validate_json(seen.value)


async def accepted(stack: Stack, lead: LeadSubmitted, producer: str = "partner-portal") -> None:
    await stack.publish(LEADS_SUBMITTED, envelope(lead, producer=producer), key=str(lead.lead_id))
    [decision] = await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == lead.lead_id)
    assert decision.payload.outcome is DecisionOutcome.ACCEPTED, decision.payload.reason


def forged_as(stack: Stack, event: Envelope[Any], key_of: str) -> Envelope[Any]:
    """The envelope claiming its producer, but signed with another producer's key."""
    signature = signer_for(stack.trust_dir, key_of).signature(event.model_dump(mode="json"))
    return event.model_copy(update={"signature": signature})


async def test_a_registered_portal_speaking_for_its_own_partner_is_accepted(guarded: Stack) -> None:
    lead = submission("dealer-hangzhou", who=customer("杭州安全测试一号建设有限公司", uscc=make_uscc(9101)))
    await accepted(guarded, lead, producer=HANGZHOU_PORTAL)


async def test_a_portal_speaking_for_another_partner_is_dead_lettered_may_not_speak_for(guarded: Stack) -> None:
    lead = submission("dealer-shaoxing", who=customer("绍兴安全测试二号纺织有限公司", uscc=make_uscc(9102)))
    await guarded.publish(LEADS_SUBMITTED, envelope(lead, producer=HANGZHOU_PORTAL), key=str(lead.lead_id))
    letter = await dead_letter(guarded, "registration", str(lead.lead_id))
    assert letter.reason.startswith("may_not_speak_for: portal-hangzhou may not speak for partner dealer-shaoxing")


async def test_an_activity_for_another_partner_is_dead_lettered_may_not_speak_for(guarded: Stack) -> None:
    where = {"city": "绍兴市", "address": "浙江省绍兴市柯桥区笛扬路1号"}
    theirs = submission("dealer-shaoxing", who=customer("绍兴安全测试三号机械有限公司", uscc=make_uscc(9103), **where))
    await accepted(guarded, theirs)
    activity = LeadActivity(
        activity_id=uuid.uuid4(), lead_id=theirs.lead_id, partner_id="dealer-shaoxing", kind=ActivityKind.VISIT,
        summary="we visited them (we did not)",
    )  # fmt: skip
    await guarded.publish(LEADS_ACTIVITIES, envelope(activity, producer=HANGZHOU_PORTAL), key=str(theirs.lead_id))
    letter = await dead_letter(guarded, "registration", str(theirs.lead_id))
    assert letter.reason.startswith("may_not_speak_for")


async def test_an_unknown_partner_is_refused_and_a_suspended_one_too(guarded: Stack) -> None:
    stranger = submission("dealer-nobody", who=customer("杭州安全测试四号建设有限公司", uscc=make_uscc(9104)))
    suspended = submission("dealer-suspended", who=customer("杭州安全测试五号建设有限公司", uscc=make_uscc(9105)))
    for lead in (stranger, suspended):
        await guarded.publish(LEADS_SUBMITTED, envelope(lead), key=str(lead.lead_id))
    [unknown] = await guarded.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == stranger.lead_id)
    [paused] = await guarded.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == suspended.lead_id)
    assert (unknown.payload.outcome, unknown.payload.reason_code) == (DecisionOutcome.REJECTED, "unknown_partner")
    assert (paused.payload.outcome, paused.payload.reason_code) == (DecisionOutcome.REJECTED, "partner_suspended")


async def test_the_channel_comes_from_the_registry_not_from_the_payload(guarded: Stack) -> None:
    claim = submission(
        "agent-zhang", channel=Channel.DIRECT, product_line="cnc-machines", amount="1200000",
        who=customer("宁波安全测试六号精密机械有限公司", uscc=make_uscc(9106, "330200"), city="宁波市"),
    )  # fmt: skip
    await guarded.publish(LEADS_SUBMITTED, envelope(claim), key=str(claim.lead_id))
    moves = await guarded.events(LEADS_TRANSITIONS, lambda e: e.payload.lead_id == claim.lead_id)
    assert {move.payload.channel for move in moves} == {Channel.AGENT}


async def test_a_portal_closing_a_deal_as_lost_is_dead_lettered_and_the_lock_stands(guarded: Stack) -> None:
    lead = submission("dealer-hangzhou", who=customer("杭州安全测试七号建设有限公司", uscc=make_uscc(9107)))
    await accepted(guarded, lead)
    lost = deal_closed("D-forged-lost", outcome=DealOutcome.LOST, lead_id=lead.lead_id, owner="dealer-shaoxing")
    await guarded.publish(DEALS_CLOSED, envelope(lost, producer="partner-portal"), key="D-forged-lost")
    for service in ("registration", "settlement"):
        letter = await dead_letter(guarded, service, "D-forged-lost")
        assert letter.reason.startswith("may_not_write: partner-portal may not write deals.closed")

    # The ERP, the system of record, closes it: the lock completes for its holder.
    won = deal_closed(
        "D-erp-won", lead_id=lead.lead_id, owner="dealer-hangzhou", owner_channel=Channel.DEALER, contributors=(),
        product_line="tiles", amount="380000.00",
    )  # fmt: skip
    await guarded.publish(DEALS_CLOSED, envelope(won, producer="erp"), key="D-erp-won")
    await guarded.events(
        LEADS_LOCKS, lambda e: e.payload.lead_id == lead.lead_id and e.payload.change is LockChange.COMPLETED
    )


async def test_a_won_deal_claiming_the_erp_without_its_key_is_dead_lettered_bad_signature(guarded: Stack) -> None:
    unsigned = envelope(deal_closed("D-forged-unsigned", owner="dealer-shaoxing"), producer="erp")
    await guarded.publish(DEALS_CLOSED, unsigned, key="D-forged-unsigned", signed=False)
    forged = forged_as(guarded, envelope(deal_closed("D-forged-key", owner="dealer-shaoxing"), producer="erp"), "hq")
    await guarded.publish(DEALS_CLOSED, forged, key="D-forged-key", signed=False)
    for key in ("D-forged-unsigned", "D-forged-key"):
        letter = await dead_letter(guarded, "settlement", key)
        assert letter.reason.startswith("bad_signature")


async def test_a_won_deal_for_someone_else_than_the_lock_holder_is_dead_lettered(guarded: Stack) -> None:
    lead = submission("dealer-hangzhou", who=customer("杭州安全测试八号建设有限公司", uscc=make_uscc(9108)))
    await accepted(guarded, lead)
    won = deal_closed("D-wrong-owner", lead_id=lead.lead_id, owner="dealer-shaoxing", owner_channel=Channel.DEALER)
    await guarded.publish(DEALS_CLOSED, envelope(won, producer="erp"), key="D-wrong-owner")
    letter = await dead_letter(guarded, "registration", "D-wrong-owner")
    assert letter.reason.startswith("owner_not_lock_holder")

    ghost = deal_closed("D-no-lead", owner="dealer-shaoxing", owner_channel=Channel.DEALER)
    await guarded.publish(DEALS_CLOSED, envelope(ghost, producer="erp"), key="D-no-lead")
    assert (await dead_letter(guarded, "registration", "D-no-lead")).reason.startswith("unknown_lead")


async def test_a_forged_ruling_is_dead_lettered_and_moves_no_lock(guarded: Stack) -> None:
    lead = submission("dealer-hangzhou", who=customer("杭州安全测试九号建设有限公司", uscc=make_uscc(9109)))
    await accepted(guarded, lead)

    def ruling() -> DisputeRuling:
        return DisputeRuling(
            dispute_id=uuid.uuid4(), outcome=RulingOutcome.TRANSFERRED, reason="made up", decided_by="hq-arbiter",
            level=2, lead_id=lead.lead_id, new_holder_id="dealer-shaoxing", rule_set="building-materials",
            rule_version=1, evidence_digest="ab" * 32, decided_at=datetime.now(UTC),
        )  # fmt: skip

    by_stranger, by_portal = ruling(), ruling()
    await guarded.publish(DISPUTES_RULINGS, envelope(by_stranger, producer="hq-arbiter"), str(by_stranger.dispute_id))
    as_arbitration = forged_as(guarded, envelope(by_portal, producer="arbitration"), "partner-portal")
    await guarded.publish(DISPUTES_RULINGS, as_arbitration, str(by_portal.dispute_id), signed=False)

    unknown = await dead_letter(guarded, "registration", str(by_stranger.dispute_id))
    forged = await dead_letter(guarded, "registration", str(by_portal.dispute_id))
    assert unknown.reason.startswith("unknown_producer")
    assert forged.reason.startswith("bad_signature")
    moved = [e for e in guarded.all_events(LEADS_LOCKS) if e.payload.previous_lead_id == lead.lead_id]
    assert moved == []


async def test_a_dispute_opened_as_hq_by_a_partner_portal_is_dead_lettered(guarded: Stack) -> None:
    opened = dispute_by("dealer-shaoxing", ("dealer-hangzhou",), customer_key="any", opened_by=OpenedBy.HQ)
    await guarded.publish(DISPUTES_OPENED, envelope(opened, producer="partner-portal"), key=str(opened.dispute_id))
    letter = await dead_letter(guarded, "arbitration", str(opened.dispute_id))
    assert letter.reason.startswith("may_not_speak_for: partner-portal may not speak for partner hq")
