"""Lock workflows against the locks on record: what a crash between a commit and a call to Temporal left behind.

Two calls follow a commit or precede a write, outside any transaction (no transaction waits for Temporal):
- a lock ended by registration (a withdrawal, a deal) is told to its workflow after the commit; a crash or a
  Temporal outage in between leaves the workflow running for a lock that ended;
- an accepted lead's workflow is started before the acceptance is written; if that write never happens (its
  verdict dead-lettered, or decided otherwise later), the workflow runs for a lead that holds no lock.

The reconciler reads Temporal's list of running lock workflows and, for each, the lock it keeps (its id
follows from the workflow's: ``lock_id_for`` the lead that first won it, transfers included). A lock on
record that is no longer active: the end is told again. No lock, and a lead that can no longer be accepted
(rejected, or unknown): the workflow is ended, as released. No lock and a lead still waiting for its verdict
(checking, held): left alone, since the verdict's redelivery starts the same workflow id, joins it and writes
the lock. Telling an ended workflow again is harmless: its ``end`` keeps the first ending.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from sqlalchemy import select

from referee_shared.outbox import Transactions

from ..domain.lifecycle import LeadStatus
from ..ports import LockScheduler, RunningLocks
from ..store import Lead, Lock
from ..workflows.models import LockEnding, lock_id_for

log = logging.getLogger(__name__)

AWAITING_VERDICT = (LeadStatus.SUBMITTED.value, LeadStatus.CHECKING.value, LeadStatus.HELD.value)
BATCH = 200


@dataclass
class Reconciled:
    """One pass: workflows looked at, ends told again, workflows of leads never accepted ended."""

    checked: int = 0
    told: int = 0
    orphans_ended: int = 0


class LockReconciler:
    def __init__(
        self,
        transactions: Transactions,
        locks: LockScheduler,
        running: RunningLocks,
        *,
        workflow_id_prefix: str,
        grace: timedelta,
    ) -> None:
        """``grace``: only workflows started longer ago than this are looked at (a start and its write are
        milliseconds apart; the grace keeps the pass off work in flight)."""
        self._tx = transactions
        self._locks = locks
        self._running = running
        self._prefix = workflow_id_prefix
        self._grace = grace

    async def reconcile(self) -> Reconciled:
        """One pass over every running lock workflow started before the grace period."""
        done = Reconciled()
        batch: list[str] = []
        async for workflow_id in self._running.started_before(self._tx.clock.now() - self._grace):
            batch.append(workflow_id)
            if len(batch) >= BATCH:
                await self._settle(batch, done)
                batch = []
        await self._settle(batch, done)
        if done.told or done.orphans_ended:
            log.warning(
                "lock reconciliation: %d running lock workflows, %d ends told again, %d workflows of leads never "
                "accepted ended",
                done.checked,
                done.told,
                done.orphans_ended,
            )
        return done

    async def run_forever(self, every_seconds: float) -> None:
        """A pass soon after start (a crash is what leaves work behind), then every ``every_seconds``."""
        await asyncio.sleep(min(every_seconds, self._grace.total_seconds()))
        while True:
            try:
                await self.reconcile()
            except Exception:  # Temporal or the database away: the next pass tries again
                log.warning("lock reconciliation failed; trying again in %.0f s", every_seconds, exc_info=True)
            await asyncio.sleep(every_seconds)

    async def _settle(self, workflow_ids: list[str], done: Reconciled) -> None:
        if not workflow_ids:
            return
        done.checked += len(workflow_ids)
        endings = await self._endings(workflow_ids)
        for workflow_id, ending, orphan in endings:  # after the read transaction: no transaction across a call
            await self._locks.end_lock(workflow_id, ending)
            if orphan:
                done.orphans_ended += 1
            else:
                done.told += 1

    async def _endings(self, workflow_ids: Iterable[str]) -> list[tuple[str, LockEnding, bool]]:
        """The end each workflow is owed (and whether it is an orphan); nothing for those that keep a live lock."""
        leads_of = {workflow_id: lead_id for workflow_id in workflow_ids if (lead_id := self._lead_of(workflow_id))}
        lock_ids = {lock_id_for(lead_id): workflow_id for workflow_id, lead_id in leads_of.items()}
        async with self._tx.begin() as tx:
            locks = {
                lock.lock_id: lock
                for lock in (await tx.session.scalars(select(Lock).where(Lock.lock_id.in_(lock_ids)))).all()
            }
            statuses = {
                lead.lead_id: lead.status
                for lead in (
                    await tx.session.scalars(select(Lead).where(Lead.lead_id.in_(list(leads_of.values()))))
                ).all()
            }
        endings = []
        for lock_id, workflow_id in lock_ids.items():
            lock = locks.get(lock_id)
            if lock is not None:
                if lock.status != "active":
                    reason = f"registration recorded the lock {lock.status}; its workflow had not heard"
                    endings.append((workflow_id, LockEnding(change=lock.status, reason=reason), False))
                continue
            status = statuses.get(leads_of[workflow_id])
            if status in AWAITING_VERDICT:
                continue  # the verdict's redelivery joins this workflow and writes the lock
            reason = f"lead {leads_of[workflow_id]} was never accepted ({status or 'not on record'})"
            endings.append((workflow_id, LockEnding(change="released", reason=reason), True))
        return endings

    def _lead_of(self, workflow_id: str) -> UUID | None:
        try:
            return UUID(workflow_id.removeprefix(self._prefix))
        except ValueError:
            log.warning("running lock workflow %s does not name a lead; left alone", workflow_id)
            return None
