"""The console reads the services' events from Kafka like any partner system, and turns them into notices.

One subscription per topic (consumer group ``<prefix>console.<topic>``), offsets committed after the
notices are stored, signatures checked when message trust is on. The console writes no topic: a message
it cannot use is kept in its own dead-letter table with the reason, and the rest keep flowing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from referee_shared.clock import SystemClock
from referee_shared.events.disputes import DisputeProgressed
from referee_shared.events.envelope import Envelope, carries
from referee_shared.events.leads import LeadDecision, LockChange, LockChanged
from referee_shared.events.settlements import (
    PaymentFlagged,
    PaymentRetryRequested,
    PaymentStatus,
    SettlementPayment,
    SettlementStatement,
)
from referee_shared.events.tasks import TaskClosed, TaskOpened, TaskReminded
from referee_shared.kafka.broker import make_broker
from referee_shared.kafka.consumer import Delivery, EventConsumer
from referee_shared.kafka.publisher import Record
from referee_shared.topics import (
    DISPUTES_EVENTS,
    LEADS_DECISIONS,
    LEADS_LOCKS,
    SETTLEMENTS_PAYMENTS,
    SETTLEMENTS_STATEMENTS,
    TASKS_EVENTS,
)
from referee_shared.trust.local import registry_path
from referee_shared.trust.registry import ProducerRegistry
from referee_shared.trust.signing import MessageVerifier

from ..settings import ConsoleSettings
from ..users import User, Users
from . import routing
from .hub import Hub
from .store import NotificationStore, StatementLineRecord

log = logging.getLogger(__name__)


ENDED = {LockChange.EXPIRED, LockChange.RELEASED, LockChange.COMPLETED}


class LineNotYetHeard(Exception):
    """A payment for a statement line whose statement has not arrived yet: retried, then dead-lettered."""


class LocalDeadLetters:
    """The consumer's dead-letter sender, writing to the console's own table instead of a topic."""

    def __init__(self, store: NotificationStore, clock: SystemClock) -> None:
        self._store = store
        self._clock = clock

    async def send(self, records: list[Record]) -> None:
        for record in records:
            await self._store.keep_dead_letter(
                record.headers.get("source-topic", record.topic),
                record.headers.get("dead-letter-reason", ""),
                record.value.decode("utf-8", "replace"),
                self._clock.now(),
            )


class NotificationIntake:
    def __init__(self, settings: ConsoleSettings, store: NotificationStore, users: Users, hub: Hub) -> None:
        self._store = store
        self._users = users
        self._hub = hub
        self._clock = SystemClock()
        self.broker = make_broker(settings)
        verifier = None
        if settings.message_trust:
            verifier = MessageVerifier(ProducerRegistry.load(registry_path(settings.resolved_trust_dir())))
        self.consumer = EventConsumer(
            self.broker,
            LocalDeadLetters(store, self._clock),
            group=settings.service_name,
            topic_prefix=settings.topic_prefix,
            clock=self._clock,
            max_attempts=settings.consumer_max_attempts,
            concurrency=1,
            admission=verifier,
            uses_retry_topic=False,  # the console is a reader, not a service: it has no retry topic
        )
        self.consumer.on(LEADS_DECISIONS, self.decision)
        self.consumer.on(LEADS_LOCKS, self.lock)
        self.consumer.on(TASKS_EVENTS, self.task)
        self.consumer.on(DISPUTES_EVENTS, self.dispute)
        self.consumer.on(SETTLEMENTS_STATEMENTS, self.statement)
        self.consumer.on(SETTLEMENTS_PAYMENTS, self.payment)

    async def start(self) -> None:
        await self.broker.start()

    async def stop(self) -> None:
        await self.broker.stop()

    async def decision(self, event: Envelope[LeadDecision], _delivery: Delivery) -> None:
        await self._deliver(event.event_id, routing.lead_decided(event.payload))

    async def lock(self, event: Envelope[LockChanged], _delivery: Delivery) -> None:
        change = event.payload
        await self._store.record_lock(
            str(change.lock_id),
            change.customer_key,
            change.partner_id,
            change.expires_at,
            change.change not in ENDED,
            change.at,
        )
        await self._deliver(event.event_id, routing.lock_changed(change))

    async def task(self, event: Envelope[TaskOpened | TaskClosed | TaskReminded], _delivery: Delivery) -> None:
        if carries(event, TaskOpened):
            await self._store.remember_task(event.payload.task_id, event.payload.model_dump(mode="json"))
            await self._deliver(event.event_id, routing.task_opened(event.payload))
        elif carries(event, TaskReminded):
            heard = await self._store.heard_task(event.payload.task_id)
            opened = TaskOpened.model_validate(heard) if heard else None
            await self._deliver(event.event_id, routing.task_reminded(event.payload, opened))

    async def dispute(self, event: Envelope[DisputeProgressed], _delivery: Delivery) -> None:
        await self._deliver(event.event_id, routing.dispute_progressed(event.payload))

    async def statement(
        self, event: Envelope[SettlementStatement | PaymentRetryRequested | PaymentFlagged], _delivery: Delivery
    ) -> None:
        if carries(event, SettlementStatement):
            statement = event.payload
            await self._store.remember_lines(
                [
                    StatementLineRecord(
                        line_id=str(line.line_id),
                        party_id=line.party_id,
                        statement_id=str(statement.statement_id),
                        deal_id=statement.deal_id,
                        kind=statement.kind.value,
                        amount=str(line.amount),
                        rule=line.rule,
                        issued_at=statement.issued_at,
                        payment="unpaid",
                        payment_reference="",
                        failure_reason="",
                    )
                    for line in statement.lines
                ]
            )
            await self._deliver(event.event_id, routing.statement_issued(event.payload))
        elif carries(event, PaymentFlagged):
            await self._deliver(event.event_id, routing.payment_flagged(event.payload))

    async def payment(self, event: Envelope[SettlementPayment], _delivery: Delivery) -> None:
        party = await self._store.party_of_line(str(event.payload.line_id))
        if party is None:
            raise LineNotYetHeard(f"no statement line {event.payload.line_id} heard yet")
        report = event.payload
        await self._store.record_payment(
            str(report.line_id),
            paid=report.status is PaymentStatus.PAID,
            reference=report.reference,
            failure_reason=report.failure_reason,
            reported_at=report.reported_at,
        )
        await self._deliver(event.event_id, routing.payment_reported(report, party))

    async def _deliver(self, event_id: object, drafts: Sequence[routing.Draft]) -> None:
        if not drafts:
            return
        mailboxes: list[tuple[User, str]] = []
        for username, address in (await self._store.mailboxes()).items():
            user = await self._users.get(username)
            if user is not None:
                mailboxes.append((user, address))
        stored = await self._store.record(str(event_id), drafts, self._clock.now(), mailboxes)
        if stored:
            self._hub.bump()
