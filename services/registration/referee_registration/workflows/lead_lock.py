"""The protection period of one lock: it runs until the lock expires and then releases the customer."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from .activities import LockActivities
    from .models import LockEnded, LockInput


@workflow.defn(name="LeadLock")
class LeadLockWorkflow:
    def __init__(self) -> None:
        self._lock: LockInput | None = None

    @workflow.run
    async def run(self, lock: LockInput) -> str:
        self._lock = lock
        remaining = lock.expires_at - workflow.now()
        if remaining > timedelta(0):
            await workflow.sleep(remaining)
        await workflow.execute_activity_method(
            LockActivities.end_lock,
            LockEnded(lock_id=lock.lock_id, change="expired", at=workflow.now(), reason="protection period ended"),
            start_to_close_timeout=timedelta(seconds=30),
        )
        return "expired"

    @workflow.query
    def expires_at(self) -> str:
        return self._lock.expires_at.isoformat() if self._lock else ""
