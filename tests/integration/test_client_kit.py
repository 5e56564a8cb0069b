"""The client kit against the real Kafka, Temporal and PostgreSQL: the example partner portal registers customers
and reads Referee's decisions; the ERP closes a deal and the example finance connector pays its statement."""

from __future__ import annotations

import asyncio
import importlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import httpx
from aiokafka import ConsumerRecord
from examples.finance_connector import FinanceConnector
from examples.partner_portal import PartnerPortal, explain

from referee_client import REASONS, RefereeConsumer, RefereeHttp, RefereeProducer, Signer, Verifier
from referee_client.contract import Contributor, CustomerIdentity, DealClosed, LeadSubmitted
from referee_client.events import envelope_document
from referee_settlement import api
from referee_settlement.app import build_reports
from referee_settlement.settings import SettlementSettings
from referee_shared.auth import Role
from referee_shared.events.settlements import SettlementPayment as ServerPayment
from referee_shared.http import build_http_app
from referee_shared.topics import LEADS_DECISIONS, LEADS_SUBMITTED, SETTLEMENTS_PAYMENTS, dead_letter_topic
from referee_shared.trust.local import key_path, registry_path

from ..builders import make_uscc
from ..stack import KAFKA, Stack, kafka_client


def _signer(stack: Stack, producer: str) -> Signer:
    return Signer.from_pem(producer, key_path(stack.trust_dir, producer))


def _verifier(stack: Stack, producer: str) -> Verifier:
    return Verifier.from_registry(registry_path(stack.trust_dir), producers=[producer])


def _transport(stack: Stack, service: str) -> httpx.ASGITransport:
    """The service's real API in-process (no port), over the stack's running instance."""
    if service == "settlement":
        settings = stack.settings("settlement")
        assert isinstance(settings, SettlementSettings)
        runtime = stack.runtimes["settlement"][0]
        routers = [api.build_router(build_reports(runtime, settings))]
        return httpx.ASGITransport(app=build_http_app(runtime, routers, title="settlement", description="finance"))
    module = importlib.import_module(f"referee_{service}.app")
    return httpx.ASGITransport(app=module.build_app(stack.runtimes[service][0], stack.services[service][0]))


def _registration(partner_id: str, name: str, uscc: str) -> LeadSubmitted:
    return LeadSubmitted(
        lead_id=uuid4(),
        partner_id=partner_id,
        channel="dealer",
        customer=CustomerIdentity(
            name=name, uscc=uscc, province="浙江省", city="杭州市", address="杭州市滨江区江南大道"
        ),
        product_line="tiles",
        estimated_amount=Decimal("250000"),
    )


async def test_the_example_portal_registers_reads_its_decisions_and_renews_an_expired_token(stack: Stack) -> None:
    tokens: list[str] = []

    async def identity_provider() -> str:
        # The first token the portal holds has expired by the time it calls: Referee answers 401 and the kit
        # asks for a new one.
        tokens.append("expired" if not tokens else stack.token(Role.PARTNER, "portal", partner_id="dealer-hangzhou"))
        return tokens[-1]

    rejected: list[str] = []

    async def on_rejected(record: ConsumerRecord[Any, Any], code: str, detail: str) -> None:
        rejected.append(code)

    portal = PartnerPortal(
        RefereeProducer(KAFKA, _signer(stack, "partner-portal"), topic_prefix=stack.prefix, **kafka_client()),
        RefereeConsumer(
            KAFKA,
            ["leads.decisions"],
            f"{stack.prefix}portal-{uuid4().hex[:8]}",
            _verifier(stack, "registration"),
            topic_prefix=stack.prefix,
            on_rejected=on_rejected,
            **kafka_client(),
        ),
        RefereeHttp("http://registration", identity_provider, transport=_transport(stack, "registration")),
    )
    await portal.start()
    try:
        uscc = make_uscc(uuid4().int % 10**9)
        first = _registration("dealer-hangzhou", "杭州云栖建材有限公司", uscc)
        accepted = await portal.register(first)
        assert (accepted.payload.outcome, accepted.payload.reason_code) == ("accepted", "first_valid_claim")
        assert accepted.correlation_id == f"portal-{first.lead_id}"
        assert accepted.payload.lock is not None

        second = _registration("dealer-shaoxing", "杭州云栖建材", uscc)
        duplicate = await portal.register(second)
        assert (duplicate.payload.outcome, duplicate.payload.reason_code) == ("rejected", "duplicate")
        assert explain(duplicate).startswith(f"rejected: {REASONS['duplicate'].zh} — ")
        assert "dealer-hangzhou" not in explain(duplicate)

        lead = await portal.lead(first.lead_id)
        assert (lead["status"], lead["reason_code"]) == ("accepted", "first_valid_claim")
        assert len(tokens) == 2
        assert tokens[0] == "expired"
        assert rejected == []  # everything registration signed verified
    finally:
        await portal.stop()


async def test_a_resent_registration_is_one_registration_and_a_forged_one_is_dead_lettered_as_bad_signature(
    stack: Stack,
) -> None:
    producer = RefereeProducer(KAFKA, _signer(stack, "partner-portal"), topic_prefix=stack.prefix, **kafka_client())
    async with producer:
        lead = _registration("dealer-hangzhou", "杭州之江建筑装饰有限公司", make_uscc(uuid4().int % 10**9))
        document = await producer.send(lead)
        # A retry after a timeout sends the very same document: same event id, same signature.
        await producer.send_document(LEADS_SUBMITTED.name, str(lead.lead_id), document)

        forged = json.loads(json.dumps(document))
        forged["payload"]["estimated_amount"] = "9500000"
        await producer.send_document(LEADS_SUBMITTED.name, str(lead.lead_id), forged)

        sentinel = _registration("dealer-hangzhou", "杭州之江物流园", make_uscc(uuid4().int % 10**9))
        sentinel_document = _signer(stack, "partner-portal").sign(
            envelope_document(sentinel, producer="partner-portal")
        )
        await producer.send_document(LEADS_SUBMITTED.name, str(lead.lead_id), sentinel_document)

    await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == sentinel.lead_id)
    decisions = [e for e in stack.all_events(LEADS_DECISIONS) if e.payload.lead_id == lead.lead_id]
    assert len(decisions) == 1

    assert stack.watcher is not None
    [letter] = await stack.watcher.wait_for(
        stack.topic(dead_letter_topic("registration")),
        lambda seen: seen.key == str(lead.lead_id).encode(),
    )
    record = json.loads(letter.value)
    assert record["reason_code"] == "bad_signature"
    assert json.loads(record["value_text"])["payload"]["estimated_amount"] == "9500000"


async def test_the_example_finance_connector_pays_a_statement_retries_a_failed_line_and_reports_back(
    stack: Stack,
) -> None:
    deal_id = f"KIT-{uuid4().hex[:8]}"
    refused_once: set[str] = set()

    async def bank(party: str, amount: Decimal, line: UUID) -> str | None:
        # This deal's helper line is refused once. The connector also reads the statements other tests of the
        # session left on the topic, so the refusal is keyed by this line, not by the party alone.
        if party == "agent-wang" and amount == Decimal("3600.00") and str(line) not in refused_once:
            refused_once.add(str(line))
            return None  # payee account name mismatch, the first time
        return f"ICBC-{line.hex[:10]}"

    connector = FinanceConnector(
        RefereeConsumer(
            KAFKA,
            ["settlements.statements"],
            f"{stack.prefix}finance-{uuid4().hex[:8]}",
            _verifier(stack, "settlement"),
            topic_prefix=stack.prefix,
            **kafka_client(),
        ),
        RefereeProducer(KAFKA, _signer(stack, "finance"), topic_prefix=stack.prefix, **kafka_client()),
        bank,
    )
    await connector.start()
    try:
        async with RefereeProducer(KAFKA, _signer(stack, "erp"), topic_prefix=stack.prefix, **kafka_client()) as erp:
            await erp.send(
                DealClosed(
                    deal_id=deal_id,
                    lead_id=uuid4(),
                    outcome="won",
                    amount=Decimal("300000.00"),
                    closed_at=datetime.now(UTC),
                    contributors=[Contributor(party_id="agent-wang", channel="agent", ratio=Decimal("0.2"))],
                    product_line="cnc-machines",
                    owner_id="direct-east",
                    owner_channel="direct",
                )
            )

        async def finance_token() -> str:
            return stack.token(Role.FINANCE, "finance-zhang")

        async with RefereeHttp("http://settlement", finance_token, transport=_transport(stack, "settlement")) as api:
            lines = await _paid_lines(api, deal_id)
        assert sorted((line["party_id"], line["amount"], line["failed_attempts"]) for line in lines) == [
            ("agent-wang", "3600.00", 1),
            ("direct-east", "14400.00", 0),
        ]
        assert all(line["payment_reference"].startswith("ICBC-") for line in lines)
        reports = [
            e.payload
            for e in stack.all_events(SETTLEMENTS_PAYMENTS)
            if isinstance(e.payload, ServerPayment) and e.producer == "finance"
        ]
        assert [r.status.value for r in reports if r.line_id in {UUID(line["line_id"]) for line in lines}].count(
            "failed"
        ) == 1
        assert connector.flagged == []
    finally:
        await connector.stop()


async def _paid_lines(api: RefereeHttp, deal_id: str, timeout: float = 60) -> list[dict[str, Any]]:
    """The original statement's lines once every one is paid, read as finance reads them."""
    deadline = asyncio.get_running_loop().time() + timeout
    seen: Any = None
    while asyncio.get_running_loop().time() < deadline:
        try:
            seen = await api.settlement_deal(deal_id)
        except Exception as exc:  # not settled yet: 404 until the deal arrives
            seen = exc
        else:
            originals = [s for s in seen["statements"] if s["kind"] == "original"]
            if originals and all(line["payment_status"] == "paid" for line in originals[0]["lines"]):
                return list(originals[0]["lines"])
        await asyncio.sleep(0.5)
    raise AssertionError(f"deal {deal_id} not paid in {timeout}s; last seen: {seen}")
