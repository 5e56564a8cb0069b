"""The follow-up trail: every visit, call, meeting, quote and check-in is chained into the customer's evidence,
and a qualifying one is handed to the lock workflow, which may keep the protection alive."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from referee_shared.events.envelope import Envelope
from referee_shared.events.leads import LeadActivity
from referee_shared.kafka.consumer import Unprocessable
from referee_shared.kafka.retry import NotYet
from referee_shared.outbox import Transactions
from referee_shared.topics import LEADS_ACTIVITIES

from ..domain.evidence import RecordKind
from ..ports import LockScheduler
from ..store import LeadRepository
from ..workflows.models import FollowUp
from .locks import LeadNotFound
from .recording import CONSUMER, append_evidence, iso, sent_by


class ActivityBeforeLead(NotYet):
    """The activity names a lead not recorded yet; retried later, since the registration may still be on its way."""


class FollowUps:
    def __init__(self, transactions: Transactions, locks: LockScheduler) -> None:
        self._tx = transactions
        self._locks = locks

    async def report(self, lead_id: UUID, partner: str | None, details: dict[str, Any]) -> None:
        """A follow-up reported over HTTP goes onto leads.activities under the lead's own partner (never the
        caller's word); ``partner`` limits the caller to its own leads, None for an admin."""
        async with self._tx.begin() as tx:
            lead = await LeadRepository(tx.session).get(lead_id)
            if lead is None or (partner is not None and lead.partner_id != partner):
                raise LeadNotFound(lead_id)
            activity = LeadActivity(lead_id=lead_id, partner_id=lead.partner_id, **details)
            await tx.emit(LEADS_ACTIVITIES, str(lead_id), activity)

    async def record(self, event: Envelope[LeadActivity], received_at: datetime, received: bytes = b"") -> None:
        """Chain the activity at the system's receipt time; a partner's own clock is kept but never used.

        The lock workflow is told between two transactions, never inside one (a Temporal outage would hold
        the write lock): a crash after telling it redelivers the activity, and the workflow computes the same
        expiry from the same activity time, so telling it twice changes nothing.
        """
        activity = event.payload
        async with self._tx.begin() as tx:
            if await tx.processed(CONSUMER, event.event_id):
                return
            leads = LeadRepository(tx.session)
            lead = await leads.get(activity.lead_id)
            if lead is None:
                raise ActivityBeforeLead(f"activity {activity.activity_id} names unknown lead {activity.lead_id}")
            if lead.partner_id != activity.partner_id:
                raise Unprocessable(f"partner {activity.partner_id} does not hold lead {activity.lead_id}")
            lock = await leads.lock_of(lead.lead_id)
            workflow_id = lock.workflow_id if lock is not None and lock.status == "active" else None
        if workflow_id is not None:
            follow_up = FollowUp(activity_id=activity.activity_id, kind=activity.kind.value, at=received_at)
            await self._locks.follow_up(workflow_id, follow_up)
        async with self._tx.begin() as tx:
            if not await tx.first_time(CONSUMER, event.event_id):
                return
            lead = await LeadRepository(tx.session).get(activity.lead_id)
            assert lead is not None
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
