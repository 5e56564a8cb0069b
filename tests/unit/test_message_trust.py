"""Signing and verifying envelopes: who sent a message, and whether they may say it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from faststream.kafka import KafkaBroker

from referee_shared.clock import SystemClock
from referee_shared.events.disputes import OpenedBy
from referee_shared.events.envelope import Envelope, envelope_json
from referee_shared.events.leads import DecisionOutcome, LeadDecision
from referee_shared.kafka.consumer import Delivery, EventConsumer
from referee_shared.topics import (
    DEALS_CLOSED,
    DISPUTES_OPENED,
    DISPUTES_RULINGS,
    LEADS_DECISIONS,
    LEADS_SUBMITTED,
    Topic,
)
from referee_shared.trust.keys import new_private_key, write_private_key
from referee_shared.trust.local import init_trust_dir, key_path, registry_path, signed_as_producer, signer_for
from referee_shared.trust.registry import Producer, ProducerRegistry
from referee_shared.trust.signing import (
    BAD_SIGNATURE,
    MAY_NOT_SPEAK_FOR,
    MAY_NOT_WRITE,
    UNKNOWN_PRODUCER,
    MessageVerifier,
    Refused,
    Signer,
)

from ..arbitration_builders import dispute_by
from ..builders import deal_closed, envelope, submission
from .test_consumer import Collecting, delivered


@pytest.fixture
def trust(tmp_path: Path) -> Path:
    init_trust_dir(tmp_path)
    key = new_private_key()
    registry = ProducerRegistry.load(registry_path(tmp_path))
    portal = Producer(
        "portal-hangzhou",
        (key.public_key(),),
        frozenset({"leads.submitted", "leads.activities"}),
        frozenset({"dealer-hangzhou"}),
    )
    registry.with_producer(portal).save(registry_path(tmp_path))
    write_private_key(key, key_path(tmp_path, "portal-hangzhou"))
    return tmp_path


def verifier(trust: Path) -> MessageVerifier:
    return MessageVerifier(ProducerRegistry.load(registry_path(trust)))


def refusal(trust: Path, topic: Topic[Any], event: Envelope[Any]) -> str | None:
    try:
        verifier(trust)(topic, envelope_json(event), event)
    except Refused as exc:
        return exc.code
    return None


def test_a_registered_portal_speaking_for_its_own_partner_is_admitted(trust: Path) -> None:
    event = signed_as_producer(trust, envelope(submission("dealer-hangzhou"), producer="portal-hangzhou"))
    assert refusal(trust, LEADS_SUBMITTED, event) is None


def test_the_erp_closing_a_deal_is_admitted(trust: Path) -> None:
    event = signed_as_producer(trust, envelope(deal_closed("D-1"), producer="erp"))
    assert refusal(trust, DEALS_CLOSED, event) is None


def test_an_unregistered_producer_is_refused_as_unknown(trust: Path) -> None:
    assert (
        refusal(trust, DEALS_CLOSED, envelope(deal_closed("D-2"), producer="dealer-shaoxing-laptop"))
        == UNKNOWN_PRODUCER
    )


def test_an_unsigned_message_claiming_the_erp_is_refused(trust: Path) -> None:
    assert refusal(trust, DEALS_CLOSED, envelope(deal_closed("D-3"), producer="erp")) == BAD_SIGNATURE


def test_a_message_signed_with_another_producers_key_is_refused(trust: Path) -> None:
    forged = envelope(deal_closed("D-4"), producer="erp")
    document = forged.model_dump(mode="json")
    signature = signer_for(trust, "partner-portal").signature(document)
    assert refusal(trust, DEALS_CLOSED, forged.model_copy(update={"signature": signature})) == BAD_SIGNATURE


def test_a_signed_message_changed_after_signing_is_refused(trust: Path) -> None:
    signed = signed_as_producer(trust, envelope(deal_closed("D-5", amount="1000.00"), producer="erp"))
    document = json.loads(envelope_json(signed))
    document["payload"]["amount"] = "80000.00"
    raw = json.dumps(document).encode()
    with pytest.raises(Refused) as refused:
        verifier(trust)(DEALS_CLOSED, raw, signed)
    assert refused.value.code == BAD_SIGNATURE


def test_a_portal_may_not_write_a_topic_that_is_not_its_input(trust: Path) -> None:
    forged = signed_as_producer(trust, envelope(deal_closed("D-6"), producer="partner-portal"))
    assert refusal(trust, DEALS_CLOSED, forged) == MAY_NOT_WRITE


def test_a_portal_may_not_speak_for_another_partner(trust: Path) -> None:
    event = signed_as_producer(trust, envelope(submission("dealer-shaoxing"), producer="portal-hangzhou"))
    assert refusal(trust, LEADS_SUBMITTED, event) == MAY_NOT_SPEAK_FOR


def test_only_hqs_own_system_opens_a_dispute_as_hq(trust: Path) -> None:
    opened = dispute_by("dealer-hangzhou", customer_key="c-1", opened_by=OpenedBy.HQ)
    assert refusal(trust, DISPUTES_OPENED, signed_as_producer(trust, envelope(opened, producer="partner-portal"))) == (
        MAY_NOT_SPEAK_FOR
    )
    assert refusal(trust, DISPUTES_OPENED, signed_as_producer(trust, envelope(opened, producer="hq"))) is None


def test_services_are_not_checked_for_partners_on_their_own_output(trust: Path) -> None:
    decision = LeadDecision(
        lead_id=uuid4(),
        partner_id="dealer-hangzhou",
        outcome=DecisionOutcome.ACCEPTED,
        reason_code="first_valid_claim",
        reason="ok",
        rule_set="r",
        rule_version=1,
        decided_at=datetime.now(UTC),
    )
    event = signed_as_producer(trust, envelope(decision, producer="registration"))
    assert refusal(trust, LEADS_DECISIONS, event) is None
    assert refusal(trust, DISPUTES_RULINGS, event) == MAY_NOT_WRITE


def test_a_rotated_key_and_the_one_before_it_both_verify_until_the_old_is_retired(trust: Path) -> None:
    old = signer_for(trust, "erp")
    new_key = new_private_key()
    registry = ProducerRegistry.load(registry_path(trust))
    erp = registry.get("erp")
    assert erp is not None
    rotated = registry.with_producer(Producer("erp", (*erp.keys, new_key.public_key()), erp.topics, erp.partners))
    check = MessageVerifier(rotated)
    for signer in (old, Signer("erp", new_key)):
        event = signer.sign(envelope(deal_closed("D-7"), producer="erp"))
        check(DEALS_CLOSED, envelope_json(event), event)
    retired = MessageVerifier(ProducerRegistry([Producer("erp", (new_key.public_key(),), erp.topics, erp.partners)]))
    stale = old.sign(envelope(deal_closed("D-8"), producer="erp"))
    with pytest.raises(Refused):
        retired(DEALS_CLOSED, envelope_json(stale), stale)


def test_init_keeps_existing_keys_and_what_an_operator_changed(trust: Path) -> None:
    before = key_path(trust, "erp").read_bytes()
    assert init_trust_dir(trust) == []
    assert key_path(trust, "erp").read_bytes() == before
    portal = ProducerRegistry.load(registry_path(trust)).get("portal-hangzhou")
    assert portal is not None
    assert portal.partners == frozenset({"dealer-hangzhou"})


def test_registration_puts_partners_http_registrations_on_the_topic_in_their_name(trust: Path) -> None:
    event = signed_as_producer(trust, envelope(submission("dealer-shaoxing"), producer="registration"))
    assert refusal(trust, LEADS_SUBMITTED, event) is None
    assert refusal(trust, LEADS_SUBMITTED, signed_as_producer(trust, envelope(submission(), producer="dedup"))) == (
        MAY_NOT_WRITE
    )


async def test_the_consumer_dead_letters_a_refused_message_before_its_handler_and_goes_on(trust: Path) -> None:
    sender = Collecting()
    target = EventConsumer(
        KafkaBroker(), sender, group="registration", topic_prefix="", clock=SystemClock(), admission=verifier(trust)
    )
    handled: list[str] = []

    async def handler(event: Envelope[Any], _delivery: Delivery) -> None:
        handled.append(event.payload.partner_id)

    forged = envelope(submission("dealer-shaoxing"), producer="portal-hangzhou")
    honest = signed_as_producer(trust, envelope(submission("dealer-hangzhou"), producer="portal-hangzhou"))
    assert await target.consume_record(LEADS_SUBMITTED, handler, delivered(envelope_json(forged), offset=1))
    assert await target.consume_record(LEADS_SUBMITTED, handler, delivered(envelope_json(honest), offset=2))

    assert handled == ["dealer-hangzhou"]
    [letter] = sender.records
    assert letter.topic == "deadletter.registration"
    assert letter.headers["dead-letter-reason"].startswith("bad_signature")
