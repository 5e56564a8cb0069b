"""A qualification review decided by a reviewer through the shared inbox (registration's HTTP API), as the
inbox contract in docs/development.md describes: TaskOpened in, the task's `decide` update out."""

from __future__ import annotations

import asyncio
import importlib
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from referee_shared.auth import Role, issue_token
from referee_shared.events.common import Channel
from referee_shared.events.leads import DecisionOutcome
from referee_shared.events.qualifications import QualificationChange
from referee_shared.events.tasks import TaskOpened
from referee_shared.topics import (
    LEADS_DECISIONS,
    LEADS_SUBMITTED,
    QUALIFICATIONS_DECISIONS,
    QUALIFICATIONS_SUBMITTED,
    TASKS_EVENTS,
)

from ..builders import certificate, customer, envelope, make_uscc, submission
from ..stack import Stack

pytest.importorskip("referee_registration.inbox", reason="the shared inbox (registration) is not on this branch yet")


def reviewer(stack: Stack) -> httpx.AsyncClient:
    registration: Any = importlib.import_module("referee_registration.app")
    app = registration.build_app(stack.runtimes["registration"][0], stack.services["registration"][0])
    token = issue_token(
        stack.settings("registration").auth_secret,
        subject="reviewer-zhang",
        role=Role.REVIEWER,
        regions=["浙江"],
        now=datetime.now(UTC),
    )
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://registration",
        headers={"Authorization": f"Bearer {token}"},
    )


async def listed(client: httpx.AsyncClient, task_id: str) -> dict[str, Any]:
    for _ in range(100):
        found = [t for t in (await client.get("/inbox")).json() if t["task_id"] == task_id]
        if found:
            return dict(found[0])
        await asyncio.sleep(0.1)
    raise AssertionError(f"task {task_id} never reached the inbox")


async def test_reviewer_approves_a_qualification_in_the_inbox_and_the_agent_may_then_register(stack: Stack) -> None:
    agent = f"agent-{uuid.uuid4().hex[:8]}"
    licence = certificate(agent, regions=["浙江省"])
    await stack.publish(QUALIFICATIONS_SUBMITTED, envelope(licence), key=agent)
    [opened] = await stack.events(
        TASKS_EVENTS,
        lambda e: (
            isinstance(e.payload, TaskOpened) and e.payload.details.get("submission_id") == str(licence.submission_id)
        ),
    )
    task_id = opened.payload.task_id

    async with reviewer(stack) as inbox:
        task = await listed(inbox, task_id)
        assert task["choices"] == ["approve", "reject"]
        refused = await inbox.post(f"/inbox/{task_id}/decision", json={"choice": "maybe", "reason": "unsure"})
        accepted = await inbox.post(
            f"/inbox/{task_id}/decision", json={"choice": "approve", "reason": "licence checked against the register"}
        )

    assert refused.status_code == 422
    assert "not offered" in refused.json()["detail"]
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["result"] == "approved"
    [approved] = await stack.events(
        QUALIFICATIONS_DECISIONS,
        lambda e: e.payload.submission_id == licence.submission_id and e.payload.change is QualificationChange.APPROVED,
    )
    assert approved.payload.decided_by == "reviewer-zhang"
    lead = submission(
        agent,
        who=customer("浙江省第六一一人民医院", uscc=make_uscc(611), department="骨科"),
        product_line="orthopaedics",
        channel=Channel.AGENT,
    )
    await stack.publish(LEADS_SUBMITTED, envelope(lead), key=str(lead.lead_id))
    [decision] = await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == lead.lead_id)
    assert decision.payload.outcome is DecisionOutcome.ACCEPTED
