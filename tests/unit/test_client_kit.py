"""The client kit speaks Referee's contract: its types are generated from the schemas of this commit, what it
signs Referee verifies, what Referee signs it verifies, and every example event reads the same on both sides."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from aiokafka.errors import KafkaTimeoutError

from referee_cli.docs import render_clients
from referee_client import REASONS, SignatureRefused, Signer, Verifier, envelope_document, read_event
from referee_client.contract import EVENTS, TOPICS, LeadDecisionEvent, LeadSubmitted, SettlementPayment
from referee_client.events import UnreadableEvent, input_topic
from referee_client.http import RefereeHttp, RefereeHttpError
from referee_client.producer import RefereeProducer
from referee_shared import reasons
from referee_shared.events.catalog import decode
from referee_shared.events.envelope import new_envelope
from referee_shared.events.examples import example_of
from referee_shared.topics import ALL_TOPICS, LEADS_DECISIONS, LEADS_SUBMITTED, SETTLEMENTS_PAYMENTS
from referee_shared.trust.local import init_trust_dir, key_path, registry_path, signer_for
from referee_shared.trust.registry import ProducerRegistry
from referee_shared.trust.signing import MessageVerifier, Refused

from ..builders import submission


@pytest.fixture(scope="module")
def trust(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("trust")
    init_trust_dir(folder)
    return folder


def test_the_committed_client_types_are_generated_from_this_commits_schemas() -> None:
    for path, content in render_clients().items():
        assert path.read_text(encoding="utf-8") == content, f"{path} is stale: run `referee docs generate`"


def test_the_kit_knows_every_event_and_external_topic_of_the_registry_and_every_reason() -> None:
    expected = {(p.event_type, p.schema_version) for t in ALL_TOPICS for p in t.payloads}
    assert set(EVENTS) == expected
    assert set(TOPICS) == {t.name for t in ALL_TOPICS if t.external}
    assert {code: (r.zh, r.en) for code, r in REASONS.items()} == {r.code: (r.zh, r.en) for r in reasons.REASONS}


def _server_signed(trust: Path, payload: Any, producer: str) -> bytes:
    event = signer_for(trust, producer).sign(new_envelope(payload, producer=producer, occurred_at=datetime.now(UTC)))
    return event.model_dump_json().encode()


@pytest.mark.parametrize("topic", [t for t in ALL_TOPICS if t.external], ids=lambda t: t.name)
def test_every_example_event_reads_the_same_in_the_kit(trust: Path, topic: Any) -> None:
    producer = "registration" if topic.direction == "out" else "partner-portal"
    for payload in filter(None, (example_of(p) for p in topic.payloads)):
        document = json.loads(_server_signed(trust, payload, producer))
        event = read_event(document)
        assert (event.type, event.schema_version) == (payload.event_type, payload.schema_version)
        assert event.payload.model_dump(mode="json", exclude_none=True) == payload.model_dump(
            mode="json", exclude_none=True
        )


def test_what_the_kit_signs_referee_accepts_and_a_changed_byte_it_refuses(trust: Path) -> None:
    signer = Signer.from_pem("partner-portal", key_path(trust, "partner-portal"))
    lead = LeadSubmitted.model_validate(submission().model_dump(mode="json"))
    document = signer.sign(envelope_document(lead, producer="partner-portal", correlation_id="portal-1"))
    raw = json.dumps(document, ensure_ascii=False).encode()
    verifier = MessageVerifier(ProducerRegistry.load(registry_path(trust)))

    envelope = decode(LEADS_SUBMITTED, raw)
    verifier(LEADS_SUBMITTED, raw, envelope)  # no Refused
    assert (envelope.payload.lead_id, envelope.correlation_id) == (lead.lead_id, "portal-1")

    tampered = raw.replace(b'"250000"', b'"950000"')
    assert tampered != raw
    with pytest.raises(Refused) as refused:
        verifier(LEADS_SUBMITTED, tampered, decode(LEADS_SUBMITTED, tampered))
    assert refused.value.code == "bad_signature"


def test_the_kit_sends_each_payload_to_its_input_topic_under_the_contracts_key() -> None:
    lead = LeadSubmitted.model_validate(submission().model_dump(mode="json"))
    assert (input_topic(lead).name, input_topic(lead).key) == (LEADS_SUBMITTED.name, LEADS_SUBMITTED.key)
    payment = SettlementPayment(
        payment_id="pay-1",
        statement_id=uuid4(),
        line_id=uuid4(),
        status="paid",
        amount="18000.00",
        reported_at=datetime.now(UTC),
    )
    assert input_topic(payment).name == SETTLEMENTS_PAYMENTS.name
    assert json.loads(json.dumps(envelope_document(payment, producer="finance")))["payload"]["amount"] == "18000.00"


def test_the_kit_verifies_what_referee_signs_and_refuses_what_it_does_not_trust(trust: Path) -> None:
    example = example_of(LEADS_DECISIONS.payloads[0])
    raw = _server_signed(trust, example, "registration")
    only_registration = Verifier.from_registry(registry_path(trust), producers=["registration"])
    event = read_event(only_registration.check(raw))
    assert isinstance(event, LeadDecisionEvent)
    assert event.payload.reason_code in REASONS

    with pytest.raises(SignatureRefused) as unknown:
        Verifier.from_registry(registry_path(trust), producers=["settlement"]).check(raw)
    assert unknown.value.code == "unknown_producer"
    forged = json.loads(raw)
    forged["payload"]["outcome"] = "accepted" if forged["payload"]["outcome"] != "accepted" else "rejected"
    with pytest.raises(SignatureRefused) as bad:
        only_registration.check(json.dumps(forged).encode())
    assert bad.value.code == "bad_signature"


def test_a_reader_ignores_a_field_a_later_release_adds_and_names_an_event_it_does_not_know(trust: Path) -> None:
    document = json.loads(_server_signed(trust, example_of(LEADS_DECISIONS.payloads[0]), "registration"))
    document["payload"]["confidence"] = 0.9
    assert isinstance(read_event(document), LeadDecisionEvent)
    with pytest.raises(UnreadableEvent) as unknown:
        read_event({**document, "type": "lead.teleported"})
    assert unknown.value.code == "unknown_type"


class _FlakyKafka:
    """Stands in for aiokafka's producer: the first ``failures`` sends time out, as a broker election would."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[tuple[str, bytes, bytes]] = []

    async def send_and_wait(self, topic: str, value: bytes, key: bytes) -> None:
        self.sent.append((topic, value, key))
        if len(self.sent) <= self.failures:
            raise KafkaTimeoutError("no answer from the leader")


async def test_a_send_that_times_out_is_sent_again_with_the_same_event_id_and_signature(trust: Path) -> None:
    signer = Signer.from_pem("partner-portal", key_path(trust, "partner-portal"))
    producer = RefereeProducer("127.0.0.1:1", signer, topic_prefix="t.", attempts=3, backoff_seconds=0)
    flaky = _FlakyKafka(failures=2)
    producer._producer = flaky
    lead = LeadSubmitted.model_validate(submission().model_dump(mode="json"))

    document = await producer.send(lead)

    assert len(flaky.sent) == 3
    assert len(set(flaky.sent)) == 1, "every attempt must carry the very same bytes"
    topic, value, key = flaky.sent[0]
    assert (topic, key) == (f"t.{LEADS_SUBMITTED.name}", str(lead.lead_id).encode())
    assert json.loads(value)["event_id"] == document["event_id"]
    raw_verifier = MessageVerifier(ProducerRegistry.load(registry_path(trust)))
    raw_verifier(LEADS_SUBMITTED, value, decode(LEADS_SUBMITTED, value))


async def test_a_send_that_keeps_failing_is_given_up_and_the_error_reaches_the_caller(trust: Path) -> None:
    signer = Signer.from_pem("partner-portal", key_path(trust, "partner-portal"))
    producer = RefereeProducer("127.0.0.1:1", signer, attempts=2, backoff_seconds=0)
    flaky = _FlakyKafka(failures=5)
    producer._producer = flaky

    with pytest.raises(KafkaTimeoutError):
        await producer.send(LeadSubmitted.model_validate(submission().model_dump(mode="json")))
    assert len(flaky.sent) == 2


async def test_the_http_client_retries_a_read_on_5xx_never_a_write_and_names_the_reason_code() -> None:
    answers = {"GET": [503, 502, 200], "POST": [503]}
    seen: list[str] = []

    def service(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        status = answers[request.method].pop(0)
        if status == 200:
            return httpx.Response(200, json={"status": "accepted"})
        return httpx.Response(status, json={"detail": "out_of_region: 杭州 is not among your regions"})

    async def token() -> str:
        return "t"

    async with RefereeHttp("http://registration", token, transport=httpx.MockTransport(service)) as api:
        assert await api.request("GET", "/leads/1") == {"status": "accepted"}
        with pytest.raises(RefereeHttpError) as refused:
            await api.request("POST", "/leads", json={})
    assert seen == ["GET", "GET", "GET", "POST"], "a write is sent once: resending is the caller's choice"
    assert (refused.value.status, refused.value.reason_code) == (503, "out_of_region")
