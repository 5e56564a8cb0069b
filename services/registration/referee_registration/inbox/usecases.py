"""What the inbox does: gather tasks from every workflow, show each reviewer theirs, pass decisions on."""

from __future__ import annotations

from typing import Protocol

from referee_shared.auth import Principal, Role
from referee_shared.events.envelope import Envelope
from referee_shared.events.tasks import TaskClosed, TaskDecision, TaskOpened, TaskReminded
from referee_shared.outbox import Transactions

from .store import InboxRepository, InboxTask

CONSUMER = "registration.inbox"


class TaskCompleter(Protocol):
    async def complete(self, workflow_id: str, update_name: str, decision: TaskDecision) -> str:
        """Deliver the decision to the workflow that owns the task; raise TaskRefused if it refuses."""


class TaskRefused(Exception):
    """A decision the inbox cannot pass on; ``status`` is the HTTP status that says why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def may_see(principal: Principal, task: InboxTask) -> bool:
    """Admins see everything; others see their role's tasks, within their regions if they have any."""
    if principal.role is Role.ADMIN:
        return True
    if principal.role.value != task.role:
        return False
    if not principal.regions or task.region is None:
        return True
    return any(task.region.startswith(region) for region in principal.regions)


class Inbox:
    def __init__(self, transactions: Transactions, completer: TaskCompleter) -> None:
        self._tx = transactions
        self._completer = completer

    async def record(self, event: Envelope[TaskOpened | TaskClosed | TaskReminded]) -> None:
        """Keep the inbox in step with tasks.events: open tasks appear, reminders mark them (over)due,
        closed ones leave the open list."""
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            tasks = InboxRepository(tx.session)
            if isinstance(event.payload, TaskOpened):
                opened = event.payload
                task = await tasks.get(opened.task_id)
                if task is None:
                    tasks.add(_new_task(opened))
                elif task.status == "open":  # reopened with new facts, e.g. escalated details
                    _refresh(task, opened)
            elif isinstance(event.payload, TaskReminded):
                reminded = event.payload
                task = await tasks.get(reminded.task_id)
                if task is not None and task.status == "open":
                    task.reminded_at, task.overdue, task.due_at = (
                        reminded.reminded_at,
                        reminded.overdue,
                        reminded.due_at,
                    )
            elif isinstance(event.payload, TaskClosed):
                closed = event.payload
                task = await tasks.get(closed.task_id)
                if task is not None:
                    task.status, task.outcome, task.closed_at = "closed", closed.outcome, closed.closed_at
                    task.decided_by = closed.decided_by or task.decided_by
                    task.reason = closed.reason or task.reason

    async def tasks_for(self, principal: Principal, *, status: str | None, kind: str | None) -> list[InboxTask]:
        roles = [r.value for r in Role] if principal.role is Role.ADMIN else [principal.role.value]
        async with self._tx.sessions() as session:
            found = await InboxRepository(session).listing(roles=roles, status=status, kind=kind)
        return [task for task in found if may_see(principal, task)]

    async def task(self, principal: Principal, task_id: str) -> InboxTask:
        async with self._tx.sessions() as session:
            task = await InboxRepository(session).get(task_id)
        if task is None or not may_see(principal, task):
            raise TaskRefused(404, f"no task {task_id} in your inbox")
        return task

    async def decide(self, principal: Principal, task_id: str, choice: str, reason: str) -> str:
        """Pass a reviewer's decision to the owning workflow; the task closes when the workflow accepts it."""
        task = await self.task(principal, task_id)
        if task.status != "open":
            raise TaskRefused(409, f"task {task_id} is already closed ({task.outcome})")
        if choice not in task.choices:
            raise TaskRefused(422, f"choice {choice!r} is not offered; choose one of: {', '.join(task.choices)}")
        decision = TaskDecision(
            task_id=task_id, choice=choice, reason=reason, decided_by=principal.subject, role=principal.role.value
        )
        result = await self._completer.complete(task.workflow_id, task.update_name, decision)
        async with self._tx.begin() as tx:
            stored = await InboxRepository(tx.session).get(task_id)
            if stored is not None and stored.status == "open":
                stored.status, stored.outcome, stored.decided_by = "closed", choice, principal.subject
                stored.reason, stored.closed_at = reason, tx.clock.now()
        return result


def _new_task(opened: TaskOpened) -> InboxTask:
    task = InboxTask(task_id=opened.task_id, status="open", opened_at=opened.opened_at, overdue=False)
    _refresh(task, opened)
    return task


def _refresh(task: InboxTask, opened: TaskOpened) -> None:
    task.kind, task.title, task.role, task.level = opened.kind.value, opened.title, opened.role, opened.level
    task.workflow_id, task.update_name = opened.workflow_id, opened.update_name
    task.choices, task.details, task.due_at = list(opened.choices), dict(opened.details), opened.due_at
    task.region, task.subject_party_ids = opened.region, list(opened.subject_party_ids)
