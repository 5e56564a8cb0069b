"""The inbox for reviewers, arbiters and finance: tasks by due time, one task at a glance, a decision."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from referee_shared.rules.arbitration import ArbitrationRules

from ..clients import ServiceRefused
from ..labels import TASK_KINDS
from ..roles import ConsoleRole
from ..users import User
from ..web import allowed, console, render

router = APIRouter()
Staff = Annotated[User, allowed(ConsoleRole.REVIEWER, ConsoleRole.ARBITER, ConsoleRole.FINANCE)]
Reviewer = Annotated[User, allowed(ConsoleRole.REVIEWER)]

GENERAL_REASON_MIN = 1
REASON_MAX = 4000
RULING_REASON_MIN = ArbitrationRules.model_fields["min_reason_chars"].default


def reason_min(task: dict[str, Any]) -> int:
    """The shortest reason a task's service accepts, so the form can say it before the user types."""
    return int(RULING_REASON_MIN) if task.get("kind") == "dispute_review" else GENERAL_REASON_MIN


def by_due_time(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Overdue first, then the earliest deadline; tasks without a deadline last."""
    return sorted(tasks, key=lambda t: (not t.get("overdue"), t.get("due_at") is None, t.get("due_at") or ""))


async def inbox(request: Request, user: User, kind: str | None = None) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await console(request).services.get(user, "registration", "/inbox", kind=kind)
    return by_due_time(found)


@router.get("/reviewer", response_class=HTMLResponse)
async def reviewer_home(request: Request, user: Reviewer) -> Response:
    return render(request, "staff/inbox.html", user, tasks=await inbox(request, user), kinds=TASK_KINDS)


@router.get("/tasks/{task_id}", response_class=HTMLResponse)
async def task_page(request: Request, user: Staff, task_id: str, problem: str | None = None) -> Response:
    task = await console(request).services.get(user, "registration", f"/inbox/{task_id}")
    return render(
        request,
        "staff/task.html",
        user,
        task=task,
        kinds=TASK_KINDS,
        reason_min=reason_min(task),
        reason_max=REASON_MAX,
        problem=problem,
    )


@router.post("/tasks/{task_id}/decision", response_class=HTMLResponse)
async def decide(
    request: Request,
    user: Staff,
    task_id: str,
    choice: Annotated[str, Form(min_length=1)],
    reason: Annotated[str, Form(max_length=REASON_MAX)] = "",
) -> Response:
    here = console(request)
    task = await here.services.get(user, "registration", f"/inbox/{task_id}")
    minimum = reason_min(task)
    if len(reason.strip()) < minimum:
        return await _again(request, user, task, f"reason<{minimum}")
    try:
        await here.services.post(
            user, "registration", f"/inbox/{task_id}/decision", {"choice": choice, "reason": reason.strip()}
        )
    except ServiceRefused as refused:
        if refused.status in (409, 422):
            return await _again(request, user, task, refused.detail)
        raise
    return RedirectResponse(_home(user) + "?decided=" + task_id, status_code=303)


async def _again(request: Request, user: User, task: dict[str, Any], problem: str) -> Response:
    return render(
        request,
        "staff/task.html",
        user,
        status_code=422,
        task=task,
        kinds=TASK_KINDS,
        reason_min=reason_min(task),
        reason_max=REASON_MAX,
        problem=problem,
    )


def _home(user: User) -> str:
    return {ConsoleRole.ARBITER: "/arbiter", ConsoleRole.FINANCE: "/finance"}.get(user.role, "/reviewer")
