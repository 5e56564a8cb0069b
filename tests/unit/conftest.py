"""All five services wired to one in-memory broker (faststream's TestKafkaBroker) and SQLite files."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from faststream.kafka import KafkaBroker, KafkaMessage, TestKafkaBroker

from referee_dedup.workflows.models import ReviewInput
from referee_registration.inbox.usecases import TaskRefused
from referee_registration.usecases import RegistrationUseCases
from referee_registration.workflows.models import (
    ExtensionRequest,
    ExtensionTicket,
    FollowUp,
    LockEnding,
    LockInput,
    TransferOrder,
)
from referee_shared.calls import no_transaction_open
from referee_shared.events.catalog import decode
from referee_shared.events.envelope import Envelope, P, envelope_json
from referee_shared.events.tasks import TaskDecision
from referee_shared.runtime import ServiceRuntime
from referee_shared.services import SERVICES
from referee_shared.topics import (
    DEDUP_VERDICTS,
    LEADS_DECISIONS,
    LEADS_LOCKS,
    LEADS_TRANSITIONS,
    TASKS_EVENTS,
    Topic,
    dead_letter_topic,
)

# Generated per test run, never written down: tests sign their tokens with it.
TEST_SECRET = secrets.token_urlsafe(48)


class RecordingCompleter:
    """Stands in for Temporal's update call: remembers decisions, refuses the choice 'refuse-me'."""

    def __init__(self) -> None:
        self.delivered: list[tuple[str, str, TaskDecision]] = []

    async def complete(self, workflow_id: str, update_name: str, decision: TaskDecision) -> str:
        no_transaction_open("complete")  # as the real Temporal client does
        if decision.choice == "refuse-me":
            raise TaskRefused(409, "the workflow refused the decision: not now")
        self.delivered.append((workflow_id, update_name, decision))
        return f"{decision.choice} recorded"


class RecordingLocks:
    """Stands in for Temporal in in-memory tests: remembers which lock workflows were started."""

    def __init__(self) -> None:
        self.started: list[LockInput] = []
        self.workflow_ids: list[str] = []
        self.ended: list[tuple[str, LockEnding]] = []
        self.follow_ups: list[tuple[str, FollowUp]] = []
        self.extension_requests: list[tuple[str, ExtensionRequest]] = []
        self.transfers: list[tuple[str, TransferOrder]] = []

    async def start_lock(self, workflow_id: str, lock: LockInput) -> None:
        no_transaction_open("start_lock")  # as the real Temporal client does
        self.workflow_ids.append(workflow_id)
        self.started.append(lock)

    async def end_lock(self, workflow_id: str, ending: LockEnding) -> None:
        no_transaction_open("end_lock")  # as the real Temporal client does
        self.ended.append((workflow_id, ending))

    async def follow_up(self, workflow_id: str, follow_up: FollowUp) -> None:
        no_transaction_open("follow_up")  # as the real Temporal client does
        self.follow_ups.append((workflow_id, follow_up))

    async def request_extension(self, workflow_id: str, request: ExtensionRequest) -> ExtensionTicket:
        no_transaction_open("request_extension")  # as the real Temporal client does
        self.extension_requests.append((workflow_id, request))
        return ExtensionTicket(task_id=f"ext-{len(self.extension_requests)}", due_at=datetime.now(UTC))

    async def transfer(self, workflow_id: str, order: TransferOrder) -> str:
        no_transaction_open("transfer")  # as the real Temporal client does
        self.transfers.append((workflow_id, order))
        return str(order.dispute_id)


class RecordingReviews:
    """Stands in for Temporal in in-memory tests: remembers which dedup review workflows were started."""

    def __init__(self) -> None:
        self.started: list[ReviewInput] = []

    async def start_review(self, workflow_id: str, review: ReviewInput) -> None:
        no_transaction_open("start_review")  # as the real Temporal client does
        self.started.append(review)


@dataclass
class InMemorySystem:
    broker: KafkaBroker
    runtimes: dict[str, ServiceRuntime]
    components: dict[str, Any]
    locks: RecordingLocks
    completer: RecordingCompleter
    seen: dict[str, list[bytes]] = field(default_factory=dict)
    reviews: RecordingReviews = field(default_factory=RecordingReviews)

    @property
    def registration(self) -> RegistrationUseCases:
        use_cases: RegistrationUseCases = self.components["registration"]
        return use_cases

    async def publish(self, topic: Topic[P], event: Envelope[P], key: str | None = None) -> None:
        await self.publish_raw(topic, envelope_json(event), key)

    async def publish_raw(self, topic: Topic[Any], value: bytes, key: str | None = None) -> None:
        await self.broker.publish(value, topic.name, key=key.encode() if key else None)
        await self.settle()

    async def settle(self) -> None:
        """Relay every outbox until no service has anything left to publish."""
        while sum([await runtime.relay.publish_pending() for runtime in self.runtimes.values()]):
            pass

    def events(self, topic: Topic[Any]) -> list[Envelope[Any]]:
        return [decode(topic, raw) for raw in self.seen.get(topic.name, [])]

    def raw(self, topic_name: str) -> list[bytes]:
        return self.seen.get(topic_name, [])


WATCHED = (
    LEADS_DECISIONS.name,
    DEDUP_VERDICTS.name,
    TASKS_EVENTS.name,
    LEADS_LOCKS.name,
    LEADS_TRANSITIONS.name,
    *(dead_letter_topic(service.name).name for service in SERVICES),
)


@pytest.fixture
async def system(tmp_path: Path) -> AsyncIterator[InMemorySystem]:
    broker = KafkaBroker()
    locks = RecordingLocks()
    completer = RecordingCompleter()
    reviews = RecordingReviews()
    common: dict[str, Any] = {
        "data_dir": tmp_path,
        "consumer_max_attempts": 1,
        "retry_delay_seconds": 0,
        "retry_max_attempts": 2,
        "auth_secret": TEST_SECRET,
    }
    # Each service's Temporal client replaced by a recording stand-in; the rest is the real service.
    stand_ins: dict[str, dict[str, Any]] = {
        "registration": {"locks": locks, "completer": completer},
        "dedup": {"reviews": reviews},
    }
    built_services = {
        service.name: service.runtime_builder()(
            service.settings_type()(**common), broker=broker, **stand_ins.get(service.name, {})
        )
        for service in SERVICES
    }
    runtimes = {name: runtime for name, (runtime, _) in built_services.items()}
    components = {name: parts for name, (_, parts) in built_services.items()}
    built = InMemorySystem(broker, runtimes, components, locks, completer, reviews=reviews)
    for name in WATCHED:

        def remember(topic: str) -> Any:
            async def watch(msg: KafkaMessage) -> None:
                built.seen.setdefault(topic, []).append(msg.body)

            return watch

        broker.subscriber(name, group_id=f"test-watch-{name}")(remember(name))
    async with TestKafkaBroker(broker):
        for runtime in runtimes.values():
            await runtime.migrate()
        yield built
    for runtime in runtimes.values():
        await runtime.engine.dispose()
