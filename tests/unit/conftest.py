"""All five services wired to one in-memory broker (faststream's TestKafkaBroker) and SQLite files."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from faststream.kafka import KafkaBroker

from referee_dedup.workflows.models import ClashReviewInput, ReviewInput
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
from referee_shared.events.tasks import TaskDecision
from referee_shared.runtime import ServiceRuntime
from referee_shared.services import SERVICES
from referee_shared.topics import (
    BOARD_CHANGES,
    DEDUP_VERDICTS,
    LEADS_DECISIONS,
    LEADS_LOCKS,
    LEADS_TRANSITIONS,
    TASKS_EVENTS,
    dead_letter_topic,
)

from ..in_memory import PublishingHarness, serving, watch_topics

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
        self.clash_reviews: list[ClashReviewInput] = []

    async def start_review(self, workflow_id: str, review: ReviewInput) -> None:
        no_transaction_open("start_review")  # as the real Temporal client does
        self.started.append(review)

    async def start_clash_review(self, workflow_id: str, review: ClashReviewInput) -> None:
        no_transaction_open("start_clash_review")  # as the real Temporal client does
        self.clash_reviews.append(review)


@dataclass
class InMemorySystem(PublishingHarness):
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

    def relayed(self) -> list[ServiceRuntime]:
        return list(self.runtimes.values())

    def raw(self, topic_name: str) -> list[bytes]:
        return self.seen.get(topic_name, [])


WATCHED = (
    LEADS_DECISIONS.name,
    DEDUP_VERDICTS.name,
    TASKS_EVENTS.name,
    LEADS_LOCKS.name,
    LEADS_TRANSITIONS.name,
    BOARD_CHANGES.name,
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
    watch_topics(broker, built.seen, WATCHED)
    async with serving(broker, list(runtimes.values())):
        yield built
