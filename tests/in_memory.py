"""The pieces every in-memory harness shares: watching topics, relaying outboxes, serving runtimes.

Each test module still builds its own set of services (which ones, which stand-ins for Temporal);
what they all do the same way lives here once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from faststream.kafka import KafkaBroker, KafkaMessage, TestKafkaBroker

from referee_shared.events.catalog import decode
from referee_shared.events.envelope import Envelope, P, envelope_json
from referee_shared.runtime import ServiceRuntime
from referee_shared.topics import Topic


def watch_topics(broker: KafkaBroker, seen: dict[str, list[bytes]], topic_names: Iterable[str]) -> None:
    """Record every value published on these topics into `seen`, by topic name, in arrival order."""
    for name in topic_names:
        broker.subscriber(name, group_id=f"test-watch-{name}")(_remember(seen, name))


def _remember(seen: dict[str, list[bytes]], topic_name: str) -> Callable[[KafkaMessage], Awaitable[None]]:
    async def watch(msg: KafkaMessage) -> None:
        seen.setdefault(topic_name, []).append(msg.body)

    return watch


async def relay_all(runtimes: Iterable[ServiceRuntime]) -> None:
    """Relay every outbox until no service has anything left to publish."""
    runtimes = list(runtimes)
    while sum([await runtime.relay.publish_pending() for runtime in runtimes]):
        pass


@asynccontextmanager
async def serving(
    broker: KafkaBroker, runtimes: Sequence[ServiceRuntime], *, connect_only: bool | None = None
) -> AsyncIterator[None]:
    """The in-memory broker running, every runtime migrated; engines disposed afterwards."""
    testing = TestKafkaBroker(broker) if connect_only is None else TestKafkaBroker(broker, connect_only=connect_only)
    async with testing:
        for runtime in runtimes:
            await runtime.migrate()
        yield
    for runtime in runtimes:
        await runtime.engine.dispose()


class PublishingHarness:
    """Publish onto the in-memory broker, relay the outboxes, read back what was watched.

    Mixed into each test module's system: it names its broker, what it watched and which runtimes
    to relay; the publishing and reading are the same everywhere.
    """

    broker: KafkaBroker
    seen: dict[str, list[bytes]]

    def relayed(self) -> Iterable[ServiceRuntime]:
        raise NotImplementedError

    async def publish(self, topic: Topic[P], event: Envelope[P], key: str | None = None) -> None:
        await self.publish_raw(topic, envelope_json(event), key)

    async def publish_raw(self, topic: Topic[Any], value: bytes, key: str | None = None) -> None:
        await self.broker.publish(value, topic.name, key=key.encode() if key else None)
        await self.settle()

    async def settle(self) -> None:
        await relay_all(self.relayed())

    def events(self, topic: Topic[Any]) -> list[Envelope[Any]]:
        return [decode(topic, raw) for raw in self.seen.get(topic.name, [])]
