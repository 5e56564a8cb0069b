"""The follow-up trail: every visit, call, meeting, quote and check-in is chained into the customer's evidence,
and a qualifying one is handed to the lock workflow, which may keep the protection alive."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from referee_shared.events.envelope import Envelope
from referee_shared.events.leads import LeadActivity
from referee_shared.kafka.consumer import Unprocessable
from referee_shared.outbox import Transactions

from ..domain.evidence import RecordKind
from ..ports import LockScheduler
from ..store import LeadRepository
from ..workflows.models import FollowUp
from .recording import CONSUMER, append_evidence, iso, sent_by


class ActivityBeforeLead(Exception):
    """The activity names a lead not recorded yet; retried, since the registration may still be on its way."""


class FollowUps:
    def __init__(self, transactions: Transactions, locks: LockScheduler) -> None:
        self._tx = transactions
        self._locks = locks

    async def record(self, event: Envelope[Any], received_at: datetime, received: bytes = b"") -> None:
        """Chain the activity at the system's receipt time; a partner's own clock is kept but never used."""
        activity: LeadActivity = event.payload
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            leads = LeadRepository(tx.session)
            lead = await leads.get(activity.lead_id)
            if lead is None:
                raise ActivityBeforeLead(f"activity {activity.activity_id} names unknown lead {activity.lead_id}")
            if lead.partner_id != activity.partner_id:
                raise Unprocessable(f"partner {activity.partner_id} does not hold lead {activity.lead_id}")
            content = {
                "activity_id": str(activity.activity_id),
                "lead_id": str(activity.lead_id),
                "kind": activity.kind.value,
                "summary": activity.summary,
                "contact": activity.contact,
                "location": activity.location.model_dump(mode="json") if activity.location else None,
                "attachments": [a.model_dump(mode="json") for a in activity.attachments],
                "received_at": iso(received_at),
                "partner_claimed_at": iso(activity.partner_claimed_at),
                "sent_by": sent_by(event, received),
            }
            await append_evidence(tx, lead, RecordKind.ACTIVITY, actor=activity.partner_id, content=content)
            lock = await leads.lock_of(lead.lead_id)
            if lock is not None and lock.status == "active":
                # Inside the transaction: a crash before commit redelivers the activity, and the workflow
                # computes the same expiry from the same activity time, so telling it twice changes nothing.
                follow_up = FollowUp(activity_id=activity.activity_id, kind=activity.kind.value, at=received_at)
                await self._locks.follow_up(lock.workflow_id, follow_up)
