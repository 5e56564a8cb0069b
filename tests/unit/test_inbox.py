"""The shared reviewer inbox: tasks from any workflow, shown by role and region, decided with a reason."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from referee_registration.app import build_app
from referee_shared.auth import Role, issue_token
from referee_shared.events.tasks import TaskClosed, TaskKind, TaskOpened, TaskReminded
from referee_shared.topics import TASKS_EVENTS

from ..builders import envelope
from .conftest import InMemorySystem

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def extension_task(task_id: str = "ext-1", region: str = "浙江/杭州") -> TaskOpened:
    return TaskOpened(
        task_id=task_id,
        kind=TaskKind.LOCK_EXTENSION,
        title="Extend protection of 杭州滨江建设 by 30 days?",
        role="reviewer",
        workflow_id="lead-lock-123",
        update_name="decide",
        choices=["approve", "deny"],
        details={"lead_id": "123", "requested_days": 30},
        due_at=NOW + timedelta(hours=48),
        region=region,
        opened_at=NOW,
    )


def client_for(system: InMemorySystem, role: Role, regions: list[str] | None = None) -> httpx.AsyncClient:
    runtime = system.runtimes["registration"]
    token = issue_token(
        runtime.settings.auth_secret, subject=f"{role.value}-1", role=role, regions=regions, now=datetime.now(UTC)
    )
    app = build_app(runtime, system.components["registration"])
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://registration",
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.fixture
async def reviewer(system: InMemorySystem) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(system, Role.REVIEWER, ["浙江"]) as client:
        yield client


async def test_reviewer_sees_an_opened_task_and_decides_it_with_a_reason(
    system: InMemorySystem, reviewer: httpx.AsyncClient
) -> None:
    await system.publish(TASKS_EVENTS, envelope(extension_task()), key="ext-1")

    listed = await reviewer.get("/inbox")
    assert listed.status_code == 200, listed.text
    [task] = listed.json()
    assert task["task_id"] == "ext-1"
    assert task["choices"] == ["approve", "deny"]
    response = await reviewer.post("/inbox/ext-1/decision", json={"choice": "approve", "reason": "quote sent"})

    assert response.status_code == 200, response.text
    [(workflow_id, update, decision)] = system.completer.delivered
    assert (workflow_id, update, decision.choice, decision.reason) == (
        "lead-lock-123",
        "decide",
        "approve",
        "quote sent",
    )
    assert decision.decided_by == "reviewer-1"
    assert (await reviewer.get("/inbox")).json() == []
    [closed] = (await reviewer.get("/inbox", params={"status": "closed"})).json()
    assert closed["outcome"] == "approve"


async def test_a_choice_not_offered_is_refused_and_nothing_reaches_the_workflow(
    system: InMemorySystem, reviewer: httpx.AsyncClient
) -> None:
    await system.publish(TASKS_EVENTS, envelope(extension_task()))

    response = await reviewer.post("/inbox/ext-1/decision", json={"choice": "maybe", "reason": "unsure"})

    assert response.status_code == 422
    assert "approve, deny" in response.json()["detail"]
    assert system.completer.delivered == []


async def test_a_decision_the_workflow_refuses_leaves_the_task_open(
    system: InMemorySystem, reviewer: httpx.AsyncClient
) -> None:
    task = extension_task()
    await system.publish(TASKS_EVENTS, envelope(task.model_copy(update={"choices": ["approve", "refuse-me"]})))

    response = await reviewer.post("/inbox/ext-1/decision", json={"choice": "refuse-me", "reason": "x"})

    assert response.status_code == 409
    assert "not now" in response.json()["detail"]
    assert [t["task_id"] for t in (await reviewer.get("/inbox")).json()] == ["ext-1"]


async def test_reviewers_see_only_their_region_and_other_roles_see_nothing(system: InMemorySystem) -> None:
    await system.publish(TASKS_EVENTS, envelope(extension_task("ext-zj", region="浙江/杭州")))
    await system.publish(TASKS_EVENTS, envelope(extension_task("ext-js", region="江苏/苏州")))

    async with client_for(system, Role.REVIEWER, ["江苏"]) as jiangsu, client_for(system, Role.FINANCE) as finance:
        assert [t["task_id"] for t in (await jiangsu.get("/inbox")).json()] == ["ext-js"]
        assert (
            await jiangsu.post("/inbox/ext-zj/decision", json={"choice": "approve", "reason": "x"})
        ).status_code == 404
        assert (await finance.get("/inbox")).json() == []
    async with client_for(system, Role.ADMIN) as admin:
        assert {t["task_id"] for t in (await admin.get("/inbox")).json()} == {"ext-zj", "ext-js"}


async def test_partners_have_no_inbox(system: InMemorySystem) -> None:
    runtime = system.runtimes["registration"]
    token = issue_token(
        runtime.settings.auth_secret, subject="p", role=Role.PARTNER, partner_id="dealer-1", now=datetime.now(UTC)
    )
    async with client_for(system, Role.REVIEWER) as client:
        response = await client.get("/inbox", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403


async def test_closing_event_from_the_workflow_closes_the_task(
    system: InMemorySystem, reviewer: httpx.AsyncClient
) -> None:
    await system.publish(TASKS_EVENTS, envelope(extension_task()))
    closed = TaskClosed(
        task_id="ext-1", outcome="escalated", reason="deadline passed", closed_at=NOW + timedelta(days=2)
    )
    await system.publish(TASKS_EVENTS, envelope(closed))

    assert (await reviewer.get("/inbox")).json() == []
    response = await reviewer.post("/inbox/ext-1/decision", json={"choice": "approve", "reason": "late"})
    assert response.status_code == 409


async def test_a_reminder_marks_the_task_overdue_in_the_inbox(
    system: InMemorySystem, reviewer: httpx.AsyncClient
) -> None:
    task = extension_task()
    await system.publish(TASKS_EVENTS, envelope(task))
    assert task.due_at is not None
    late = TaskReminded(task_id="ext-1", due_at=task.due_at, overdue=True, reminded_at=task.due_at + timedelta(hours=1))
    await system.publish(TASKS_EVENTS, envelope(late))

    [listed] = (await reviewer.get("/inbox")).json()
    assert listed["overdue"] is True
    assert listed["reminded_at"].startswith((task.due_at + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
