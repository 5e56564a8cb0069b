"""Business cross-checks through the real broker (issue 11, outcome 3): settlement pays only the lock holder of
a lead it saw locked; registration moves a lock only for a ruling that matches an open dispute ruled by an
arbiter who is not a party; a dispute opened over Kafka gets the respondent the system finds."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from referee_settlement.store import SettlementRepository
from referee_shared.events.common import Channel
from referee_shared.events.disputes import DisputeProgressed, DisputeRuling, DisputeStep, RulingOutcome
from referee_shared.events.leads import LeadSubmitted, LockChange
from referee_shared.topics import (
    DEALS_CLOSED,
    DISPUTES_EVENTS,
    DISPUTES_OPENED,
    DISPUTES_RULINGS,
    LEADS_DECISIONS,
    LEADS_LOCKS,
    LEADS_SUBMITTED,
)

from ..arbitration_builders import dispute_by
from ..builders import customer, deal_closed, envelope, make_uscc, submission
from ..stack import Stack
from .test_message_attacks import accepted, dead_letter


async def locked(stack: Stack, lead: LeadSubmitted) -> str:
    """Accept the lead and wait until its lock is announced; its customer key."""
    await accepted(stack, lead)
    [lock] = await stack.events(
        LEADS_LOCKS, lambda e: e.payload.lead_id == lead.lead_id and e.payload.change is LockChange.GRANTED
    )
    return str(lock.payload.customer_key)


async def test_settlement_refuses_a_won_deal_for_someone_other_than_the_lock_holder(guarded: Stack) -> None:
    lead = submission("dealer-hangzhou", who=customer("杭州交叉核对一号建设有限公司", uscc=make_uscc(9201)))
    await locked(guarded, lead)
    won = deal_closed(
        "D-x-wrong-owner", lead_id=lead.lead_id, owner="dealer-shaoxing", owner_channel=Channel.DEALER,
        contributors=(), product_line="tiles", amount="380000.00",
    )  # fmt: skip
    await guarded.publish(DEALS_CLOSED, envelope(won, producer="erp"), key=won.deal_id)
    letter = await dead_letter(guarded, "settlement", won.deal_id)
    assert letter.reason.startswith("owner_not_lock_holder: deal D-x-wrong-owner names dealer-shaoxing")
    assert "which dealer-hangzhou holds" in letter.reason


async def test_settlement_refuses_a_deal_for_a_lead_nobody_locked(guarded: Stack) -> None:
    ghost = deal_closed("D-x-ghost", owner="dealer-shaoxing", owner_channel=Channel.DEALER, product_line="tiles")
    await guarded.publish(DEALS_CLOSED, envelope(ghost, producer="erp"), key=ghost.deal_id)
    letter = await dead_letter(guarded, "settlement", ghost.deal_id)
    assert "unknown_lead: deal D-x-ghost names lead" in letter.reason
    assert "which registration never locked" in letter.reason


async def test_settlement_takes_the_erps_deal_for_the_lock_holder(guarded: Stack) -> None:
    lead = submission("dealer-hangzhou", who=customer("杭州交叉核对二号建设有限公司", uscc=make_uscc(9202)))
    await locked(guarded, lead)
    won = deal_closed(
        "D-x-honest", lead_id=lead.lead_id, owner="dealer-hangzhou", owner_channel=Channel.DEALER, contributors=(),
        product_line="tiles", amount="380000.00",
    )  # fmt: skip
    await guarded.publish(DEALS_CLOSED, envelope(won, producer="erp"), key=won.deal_id)
    await guarded.events(
        LEADS_LOCKS, lambda e: e.payload.lead_id == lead.lead_id and e.payload.change is LockChange.COMPLETED
    )
    assert await _settlement_owner(guarded, won.deal_id) == "dealer-hangzhou"


async def _settlement_owner(stack: Stack, deal_id: str) -> str | None:
    """The owner of the deal as settlement recorded it, once it has."""
    transactions = stack.runtimes["settlement"][0].transactions
    for _ in range(300):
        async with transactions.sessions() as session:
            deal = await SettlementRepository(session).deal(deal_id)
        if deal is not None:
            return deal.owner_id
        await asyncio.sleep(0.1)
    return None


def _ruling(
    dispute_id: uuid.UUID, lead_id: uuid.UUID, *, by: str = "hq-arbiter", to: str = "dealer-shaoxing"
) -> DisputeRuling:
    return DisputeRuling(
        dispute_id=dispute_id, outcome=RulingOutcome.TRANSFERRED, reason="the claimant visited first", decided_by=by,
        level=2, lead_id=lead_id, new_holder_id=to, new_holder_channel=Channel.DEALER,
        rule_set="building-materials", rule_version=1, evidence_digest="ab" * 32, decided_at=datetime.now(UTC),
    )  # fmt: skip


def _step(
    dispute_id: uuid.UUID, step: DisputeStep, parties: list[str], *, by: str = "arbitration"
) -> DisputeProgressed:
    ruled = step is DisputeStep.RULED
    return DisputeProgressed(
        dispute_id=dispute_id, step=step, at=datetime.now(UTC), parties=parties, actor=by, summary=step.value,
        level=2 if ruled else 1, outcome=RulingOutcome.TRANSFERRED if ruled else None, final=ruled,
    )  # fmt: skip


def _no_transfer_of(stack: Stack, lead: LeadSubmitted) -> bool:
    return [e for e in stack.all_events(LEADS_LOCKS) if e.payload.previous_lead_id == lead.lead_id] == []


async def test_a_ruling_signed_by_arbitration_for_a_dispute_never_opened_moves_no_lock(guarded: Stack) -> None:
    """Even with arbitration's key (stolen, or an ACL wide open), a ruling must match a dispute arbitration opened."""
    lead = submission("dealer-hangzhou", who=customer("杭州交叉核对三号建设有限公司", uscc=make_uscc(9203)))
    await locked(guarded, lead)
    made_up = _ruling(uuid.uuid4(), lead.lead_id)
    await guarded.publish(DISPUTES_RULINGS, envelope(made_up, producer="arbitration"), str(made_up.dispute_id))
    letter = await dead_letter(guarded, "registration", str(made_up.dispute_id))
    assert (
        f"unknown_dispute: ruling names dispute {made_up.dispute_id}, which arbitration never opened" in letter.reason
    )
    assert _no_transfer_of(guarded, lead)
    # Settlement makes the same check before it moves any credit.
    credit = await dead_letter(guarded, "settlement", str(made_up.dispute_id))
    assert credit.reason_code == "unknown_dispute"
    assert f"ruling names dispute {made_up.dispute_id}, which arbitration never opened" in credit.reason
    assert await _credit_ruling(guarded, lead) is None


async def test_a_ruling_by_a_party_or_to_an_outsider_moves_no_lock(guarded: Stack) -> None:
    lead = submission("dealer-hangzhou", who=customer("杭州交叉核对四号建设有限公司", uscc=make_uscc(9204)))
    await locked(guarded, lead)
    parties = ["dealer-shaoxing", "dealer-hangzhou"]
    by_party, to_outsider = uuid.uuid4(), uuid.uuid4()
    for dispute_id, arbiter in ((by_party, "dealer-shaoxing"), (to_outsider, "hq-arbiter")):
        for step in (DisputeStep.OPENED, DisputeStep.RULED):
            by = arbiter if step is DisputeStep.RULED else "arbitration"
            announced = envelope(_step(dispute_id, step, parties, by=by), producer="arbitration")
            await guarded.publish(DISPUTES_EVENTS, announced, str(dispute_id))

    await guarded.publish(
        DISPUTES_RULINGS, envelope(_ruling(by_party, lead.lead_id, by="dealer-shaoxing"), producer="arbitration"),
        str(by_party),
    )  # fmt: skip
    await guarded.publish(
        DISPUTES_RULINGS, envelope(_ruling(to_outsider, lead.lead_id, to="agent-zhang"), producer="arbitration"),
        str(to_outsider),
    )  # fmt: skip
    refused_party = await dead_letter(guarded, "registration", str(by_party))
    refused_outsider = await dead_letter(guarded, "registration", str(to_outsider))
    assert refused_party.reason.startswith(f"arbiter_not_authorised: dealer-shaoxing is a party to dispute {by_party}")
    assert refused_outsider.reason.startswith("not_a_party: the ruling gives the customer to agent-zhang")
    assert _no_transfer_of(guarded, lead)
    settlement_party = await dead_letter(guarded, "settlement", str(by_party))
    settlement_outsider = await dead_letter(guarded, "settlement", str(to_outsider))
    assert (settlement_party.reason_code, settlement_outsider.reason_code) == ("arbiter_not_authorised", "not_a_party")
    assert await _credit_ruling(guarded, lead) is None


async def _credit_ruling(stack: Stack, lead: LeadSubmitted) -> str | None:
    """The dispute of the ruling settlement recorded on the lead's credit, if any."""
    async with stack.runtimes["settlement"][0].transactions.sessions() as session:
        ruling = await SettlementRepository(session).ruling(lead.lead_id)
    return str(ruling.dispute_id) if ruling is not None else None


async def test_settlement_refuses_a_dealers_won_deal_declared_direct_to_get_another_share(guarded: Stack) -> None:
    """The channel is the partner registry's: a dealer's deal declared ``direct`` (the direct team's split) is
    refused, and the same deal with the registry's channel is settled."""
    lead = submission("dealer-hangzhou", who=customer("杭州交叉核对六号建设有限公司", uscc=make_uscc(9206)))
    await locked(guarded, lead)
    as_direct = deal_closed(
        "D-x-as-direct", lead_id=lead.lead_id, owner="dealer-hangzhou", owner_channel=Channel.DIRECT, contributors=(),
        product_line="tiles", amount="380000.00",
    )  # fmt: skip
    await guarded.publish(DEALS_CLOSED, envelope(as_direct, producer="erp"), key=as_direct.deal_id)
    letter = await dead_letter(guarded, "settlement", as_direct.deal_id)
    assert letter.reason_code == "channel_mismatch"
    assert letter.reason == (
        "channel_mismatch: deal D-x-as-direct declares owner dealer-hangzhou as direct; "
        "the partner registry says dealer"
    )
    helper = deal_closed(
        "D-x-helper-as-direct", lead_id=lead.lead_id, owner="dealer-hangzhou", owner_channel=Channel.DEALER,
        contributors=(("agent-zhang", Channel.DIRECT, "0.5"),), product_line="tiles", amount="380000.00",
    )  # fmt: skip
    await guarded.publish(DEALS_CLOSED, envelope(helper, producer="erp"), key=helper.deal_id)
    assert (await dead_letter(guarded, "settlement", helper.deal_id)).reason.startswith(
        "channel_mismatch: deal D-x-helper-as-direct declares contributor agent-zhang as direct"
    )


async def test_a_dispute_over_kafka_gets_the_respondent_the_system_finds(guarded: Stack) -> None:
    holder = submission("dealer-hangzhou", who=customer("杭州交叉核对五号建设有限公司", uscc=make_uscc(9205)))
    customer_key = await locked(guarded, holder)
    # dealer-shaoxing registers the same customer later and is refused as a duplicate: it is involved.
    late = submission("dealer-shaoxing", who=customer("杭州交叉核对五号建设有限公司", uscc=make_uscc(9205)))
    await guarded.publish(LEADS_SUBMITTED, envelope(late), key=str(late.lead_id))
    await guarded.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == late.lead_id)

    # It names agent-zhang as respondent (a guess, or to drag a competitor in): the system names the holder.
    guessed = dispute_by("dealer-shaoxing", ("agent-zhang",), customer_key=customer_key)
    await guarded.publish(DISPUTES_OPENED, envelope(guessed), key=str(guessed.dispute_id))
    opened, claimants = await guarded.events(
        DISPUTES_EVENTS,
        lambda e: e.payload.dispute_id == guessed.dispute_id and e.payload.step is DisputeStep.OPENED,
        count=2,
    )
    assert opened.payload.parties == ["dealer-shaoxing", "dealer-hangzhou"]
    assert opened.payload.audience == ["dealer-hangzhou"]
    # The topic is readable by portals: the claimant's copy says "respondent", never who holds the customer.
    assert claimants.payload.audience == ["dealer-shaoxing"]
    assert claimants.payload.parties == ["dealer-shaoxing", "respondent"]
    assert "dealer-hangzhou" not in claimants.model_dump_json()
    assert "agent-zhang" not in claimants.model_dump_json()

    # agent-zhang never touched the customer: its dispute over Kafka is refused like over HTTP.
    outsider = dispute_by("agent-zhang", ("dealer-hangzhou",), customer_key=customer_key)
    await guarded.publish(DISPUTES_OPENED, envelope(outsider), key=str(outsider.dispute_id))
    [refused] = await guarded.events(
        DISPUTES_EVENTS, lambda e: e.payload.dispute_id == outsider.dispute_id and e.payload.step is DisputeStep.REFUSED
    )
    assert refused.payload.reason_code == "not_involved"
    assert refused.payload.parties == ["agent-zhang"]
