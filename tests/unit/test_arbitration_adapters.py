"""Arbitration reads registration's evidence and dedup's verdicts over HTTP, as a service of role arbiter."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import uuid4

import httpx
import pytest

from referee_arbitration.adapters.http import HttpEvidenceSource, HttpVerdictSource, ServiceCaller
from referee_arbitration.ports import EvidenceUnavailable, EvidenceUnreadable
from referee_shared.auth import Role
from referee_shared.clock import FixedClock
from referee_shared.settings import ServiceSettings
from referee_shared.token_verifier import TokenPolicy, TokenVerifier

from ..arbitration_builders import building_materials_case

SECRET = "arbitration-adapter-test-secret-of-32-bytes"
NOW = datetime.now(UTC)


def caller(handler: httpx.MockTransport) -> ServiceCaller:
    # Signed now, not at collection: a full run reaches this module many minutes later, past the token's life.
    clock = FixedClock(datetime.now(UTC))
    return ServiceCaller("http://registration", secret=SECRET, clock=clock, timeout=5, transport=handler)


async def test_a_bundle_is_fetched_as_arbiter_and_read_whole() -> None:
    case = building_materials_case(NOW)
    asked: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return httpx.Response(200, json=json.loads(case.bundle.model_dump_json()) | {"new_field": "ignored"})

    bundle = await HttpEvidenceSource(caller(httpx.MockTransport(answer))).for_customer(case.chain)
    assert bundle == case.bundle
    [request] = asked
    assert request.url.path == f"/evidence/customers/{case.chain}"
    verifier = TokenVerifier(TokenPolicy.from_settings(ServiceSettings(auth_secret=SECRET)))
    principal = verifier.verify(request.headers["Authorization"].removeprefix("Bearer "))
    assert (principal.role, principal.subject) == (Role.ARBITER, "arbitration")


async def test_an_unknown_subject_is_an_answer_and_a_failure_is_retried_later() -> None:
    missing = HttpEvidenceSource(caller(httpx.MockTransport(lambda _: httpx.Response(404, json={"detail": "no"}))))
    assert await missing.for_lead(uuid4()) is None
    failing = HttpEvidenceSource(caller(httpx.MockTransport(lambda _: httpx.Response(503, text="starting"))))
    with pytest.raises(EvidenceUnavailable, match="answered 503"):
        await failing.for_lead(uuid4())

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(EvidenceUnavailable, match="connection refused"):
        await HttpEvidenceSource(caller(httpx.MockTransport(refuse))).for_lead(uuid4())
    garbled = HttpEvidenceSource(caller(httpx.MockTransport(lambda _: httpx.Response(200, json={"chain": 1}))))
    with pytest.raises(EvidenceUnreadable, match="not what arbitration reads"):
        await garbled.for_lead(uuid4())


async def test_dedup_verdicts_of_a_lead_come_with_their_explanation() -> None:
    case = building_materials_case(NOW)
    [verdict] = case.verdicts[case.lead_b]
    asked: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return httpx.Response(
            200, json=[json.loads(verdict.model_dump_json()) | {"tier": None, "review_task_id": None}]
        )

    found = await HttpVerdictSource(caller(httpx.MockTransport(answer))).for_lead(case.lead_b)
    assert found == [verdict]
    assert asked[0].url.path == "/verdicts"
    assert asked[0].url.params["lead_id"] == str(case.lead_b)
    none = HttpVerdictSource(caller(httpx.MockTransport(lambda _: httpx.Response(404, json={"detail": "no verdict"}))))
    assert await none.for_lead(uuid4()) == []
