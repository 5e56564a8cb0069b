"""The real system for integration tests: services in-process against the real Kafka, Temporal and
PostgreSQL, each test stack under its own topic prefix and databases so stacks never see each other."""

from __future__ import annotations

import asyncio
import functools
import importlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import yaml
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from temporalio.client import Client

from referee_shared.auth import Role, issue_token
from referee_shared.events.catalog import UndecodableMessage, decode
from referee_shared.events.envelope import Envelope, P, envelope_json
from referee_shared.kafka.access import TESTS, password_file
from referee_shared.kafka.admin import create_topics, delete_topics
from referee_shared.runtime import ServiceRuntime
from referee_shared.services import SERVICES
from referee_shared.settings import REPO_ROOT, ServiceSettings
from referee_shared.temporal import connect_temporal
from referee_shared.topics import Topic, all_topics_with_dead_letters
from referee_shared.trust.local import init_trust_dir, signed_as_producer, signer_for

KAFKA = os.environ.get("REFEREE_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
TEMPORAL = os.environ.get("REFEREE_TEMPORAL_ADDRESS", "127.0.0.1:7233")
POSTGRES = os.environ.get("REFEREE_TEST_POSTGRES", "postgresql://referee:referee@127.0.0.1:55432")
INFRA_DATA_DIR = Path(os.environ.get("REFEREE_DATA_DIR") or REPO_ROOT / ".referee")
"""the running infrastructure's data folder (deploy/test.sh exports it): how its broker authenticates, and the
passwords of its principals"""


def _broker_auth() -> str:
    """What the running broker takes, as deploy/kafka.sh recorded when it formatted it: scram or none."""
    info = INFRA_DATA_DIR / "kafka" / "format.info"
    lines = info.read_text().splitlines() if info.exists() else []
    return next((line.removeprefix("auth=") for line in lines if line.startswith("auth=")), "none") or "none"


KAFKA_AUTH = _broker_auth()


def kafka_client(principal: str = TESTS) -> dict[str, Any]:
    """aiokafka options connecting as ``principal`` (the harness by default); none on a PLAINTEXT broker."""
    if KAFKA_AUTH != "scram":
        return {}
    return {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": principal,
        "sasl_plain_password": password_file(INFRA_DATA_DIR, principal).read_text().strip(),
    }


def kafka_env(principal: str = TESTS) -> dict[str, str]:
    """The same, as the environment of a CLI command the harness runs."""
    return {f"REFEREE_{name.upper()}": str(value) for name, value in kafka_settings(principal).items()}


def kafka_settings(principal: str) -> dict[str, Any]:
    """The same, as a service's settings: each service of a test stack logs in as itself."""
    options = kafka_client(principal)
    if not options:
        return {}
    return {
        "kafka_security_protocol": options["security_protocol"],
        "kafka_sasl_mechanism": options["sasl_mechanism"],
        "kafka_sasl_username": principal,
        "kafka_sasl_password": options["sasl_plain_password"],
    }


BUILDERS: dict[str, tuple[type[ServiceSettings], Callable[..., tuple[ServiceRuntime, Any]]]] = {
    service.name: (service.settings_type(), service.runtime_builder()) for service in SERVICES
}


@dataclass
class Seen:
    topic: str
    key: bytes | None
    value: bytes
    broker_time_ms: int


class TopicWatcher:
    """Reads every partition of some topics from the beginning and remembers what it saw."""

    def __init__(self, topic_names: list[str]) -> None:
        self._names = topic_names
        self._consumer = AIOKafkaConsumer(bootstrap_servers=KAFKA, enable_auto_commit=False, **kafka_client())
        self.seen: list[Seen] = []
        self._arrived = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._consumer.start()
        partitions = [
            TopicPartition(name, p)
            for name in self._names
            for p in sorted(self._consumer.partitions_for_topic(name) or await self._partitions(name))
        ]
        self._consumer.assign(partitions)
        await self._consumer.seek_to_beginning(*partitions)
        self._task = asyncio.create_task(self._read())

    async def _partitions(self, name: str) -> set[int]:
        for _ in range(50):
            await self._consumer._client.force_metadata_update()
            found = self._consumer.partitions_for_topic(name)
            if found:
                return set(found)
            await asyncio.sleep(0.1)
        raise RuntimeError(f"topic {name} has no partitions")

    async def _read(self) -> None:
        while True:
            batches = await self._consumer.getmany(timeout_ms=200)
            if not batches:
                continue
            async with self._arrived:
                for records in batches.values():
                    self.seen.extend(Seen(r.topic, r.key, r.value, r.timestamp) for r in records)
                self._arrived.notify_all()

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
        await self._consumer.stop()

    async def wait_for(
        self, topic_name: str, predicate: Callable[[Seen], bool], *, count: int = 1, timeout: float = 30
    ) -> list[Seen]:
        """Wait until ``count`` records of the topic satisfy ``predicate``; fail with what was seen."""

        def matching() -> list[Seen]:
            return [s for s in self.seen if s.topic == topic_name and predicate(s)]

        async with self._arrived:
            try:
                await asyncio.wait_for(self._arrived.wait_for(lambda: len(matching()) >= count), timeout)
            except TimeoutError:
                raise AssertionError(
                    f"waited {timeout}s for {count} matching records on {topic_name}, saw {len(matching())}"
                ) from None
            return matching()


@dataclass
class Stack:
    """One isolated Referee: topics under ``prefix``, one database per service, services in-process."""

    prefix: str
    instances: dict[str, int]
    runtimes: dict[str, list[ServiceRuntime]] = field(default_factory=dict)
    services: dict[str, list[Any]] = field(default_factory=dict)
    watcher: TopicWatcher | None = None
    producer: AIOKafkaProducer | None = None
    temporal: Client | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    """settings every service of this stack gets, e.g. ``{"tracing": True}``"""
    service_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    """settings of one service, e.g. ``{"registration": {"database_url": "sqlite+aiosqlite:///..."}}``"""
    trust_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="referee-trust-")))
    """this stack's producer keys and registry: every message is signed and verified, as in production"""

    @property
    def database_prefix(self) -> str:
        return self.prefix.rstrip(".").replace("-", "_")

    def topic(self, topic: Topic[Any]) -> str:
        return topic.full_name(self.prefix)

    def settings(self, service: str, instance: int = 1, **overrides: Any) -> ServiceSettings:
        settings_type, _ = BUILDERS[service]
        return settings_type(
            topic_prefix=self.prefix,
            instance_id=str(instance),
            kafka_bootstrap=KAFKA,
            temporal_address=TEMPORAL,
            **{
                "database_url": f"{POSTGRES.replace('postgresql://', 'postgresql+asyncpg://')}/{self.database_prefix}_{service}",
                "outbox_poll_seconds": 0.2,
                # Not-yet messages (a deal for a lead never registered) reach their dead letters in seconds.
                "retry_delay_seconds": 1,
                "retry_max_attempts": 3,
                "log_json": False,
                **kafka_settings(service),
                "rules_dir": rules_without_volume_limits(),
                "message_trust": True,
                "trust_dir": self.trust_dir,
                **self.overrides,
                **self.service_overrides.get(service, {}),
                **overrides,
            },
        )

    async def start(self) -> None:
        init_trust_dir(self.trust_dir)
        await create_topics(KAFKA, self.prefix, client=kafka_client())
        await _create_databases([f"{self.database_prefix}_{service}" for service in self.instances])
        self.temporal = await connect_temporal(self.settings("registration"))
        for service, count in self.instances.items():
            _, build = BUILDERS[service]
            for instance in range(1, count + 1):
                runtime, use_cases = build(self.settings(service, instance))
                self.runtimes.setdefault(service, []).append(runtime)
                self.services.setdefault(service, []).append(use_cases)
        for runtimes in self.runtimes.values():
            await runtimes[0].start()  # the first instance migrates before the others start
            await asyncio.gather(*(runtime.start() for runtime in runtimes[1:]))
        self.producer = AIOKafkaProducer(bootstrap_servers=KAFKA, acks="all", linger_ms=5, **kafka_client())
        await self.producer.start()
        self.watcher = TopicWatcher([t.full_name(self.prefix) for t in all_topics_with_dead_letters()])
        await self.watcher.start()

    async def stop(self) -> None:
        if self.watcher:
            await self.watcher.stop()
        if self.producer:
            await self.producer.stop()
        for runtimes in self.runtimes.values():
            await asyncio.gather(*(runtime.stop() for runtime in runtimes), return_exceptions=True)
        await delete_topics(KAFKA, self.prefix, client=kafka_client())
        shutil.rmtree(self.trust_dir, ignore_errors=True)
        await _drop_databases([f"{self.database_prefix}_{service}" for service in self.instances])

    async def publish(
        self, topic: Topic[P], event: Envelope[P], key: str | None = None, *, signed: bool = True
    ) -> None:
        """Publish as the envelope's producer would: signed with its key (when this stack knows that producer)."""
        if signed:
            event = signed_as_producer(self.trust_dir, event)
        await self.publish_raw(topic, envelope_json(event), key)

    async def publish_document(self, topic: Topic[Any], document: dict[str, Any], key: str | None = None) -> None:
        """Publish a hand-made envelope document signed as its producer: bad input from an authentic sender."""
        signature = signer_for(self.trust_dir, document["producer"]).signature(document)
        await self.publish_raw(topic, json.dumps({**document, "signature": signature}).encode(), key)

    async def publish_raw(self, topic: Topic[Any], value: bytes, key: str | None = None) -> None:
        assert self.producer is not None
        await self.producer.send_and_wait(self.topic(topic), value, key=key.encode() if key else None)

    async def events(
        self, topic: Topic[Any], predicate: Callable[[Envelope[Any]], bool], *, count: int = 1, timeout: float = 30
    ) -> list[Envelope[Any]]:
        """Wait for ``count`` decoded events of ``topic`` that satisfy ``predicate``."""
        assert self.watcher is not None

        def decoded_match(seen: Seen) -> bool:
            try:
                return predicate(decode(topic, seen.value))
            except UndecodableMessage:
                return False

        found = await self.watcher.wait_for(self.topic(topic), decoded_match, count=count, timeout=timeout)
        return [decode(topic, s.value) for s in found]

    def http(self, service: str, token: str, instance: int = 0) -> httpx.AsyncClient:
        """An HTTP client on a running service instance's API (in-process, no port), as the token's bearer."""
        module = importlib.import_module(f"referee_{service}.app")
        app = module.build_app(self.runtimes[service][instance], self.services[service][instance])
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url=f"http://{service}",
            headers={"Authorization": f"Bearer {token}"},
        )

    def token(
        self, role: Role, subject: str = "tester", partner_id: str | None = None, regions: list[str] | None = None
    ) -> str:
        return issue_token(
            self.settings("registration").auth_secret,
            subject=subject,
            role=role,
            partner_id=partner_id,
            regions=regions,
            now=datetime.now(UTC),
        )

    def all_events(self, topic: Topic[Any]) -> list[Envelope[Any]]:
        """Every event of ``topic`` so far; poison other tests of the session injected is not an event."""
        assert self.watcher is not None
        found = []
        for seen in self.watcher.seen:
            if seen.topic == self.topic(topic):
                try:
                    found.append(decode(topic, seen.value))
                except UndecodableMessage:
                    continue
        return found


@functools.cache
def rules_without_volume_limits() -> Path:
    """The rule sets with room for a session of tests: they register for the same few partners within
    minutes, which the per-hour and open-lock caps would refuse (tests/security tests the caps)."""
    folder = Path(tempfile.mkdtemp(prefix="referee-rules-"))
    for source in (REPO_ROOT / "rules").glob("*.yaml"):
        rules = yaml.safe_load(source.read_text(encoding="utf-8"))
        rules["limits"] = {**rules.get("limits", {}), "submissions_per_hour": 100_000, "open_locks": 100_000}
        (folder / source.name).write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    return folder


def new_prefix(label: str) -> str:
    return f"it-{label}-{uuid.uuid4().hex[:8]}."


async def _create_databases(names: list[str]) -> None:
    connection = await asyncpg.connect(f"{POSTGRES}/postgres")
    try:
        for name in names:
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def _drop_databases(names: list[str]) -> None:
    connection = await asyncpg.connect(f"{POSTGRES}/postgres")
    try:
        for name in names:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def infrastructure_problems() -> list[str]:
    """What of Kafka, Temporal and PostgreSQL is not reachable, with how to start it."""
    problems = []
    producer = AIOKafkaProducer(bootstrap_servers=KAFKA, request_timeout_ms=3000, **kafka_client())
    try:
        await asyncio.wait_for(producer.start(), 5)
    except Exception as exc:
        problems.append(f"Kafka at {KAFKA}: {exc!r}")
    finally:
        await producer.stop()
    try:
        await asyncio.wait_for(Client.connect(TEMPORAL), 5)
    except Exception as exc:
        problems.append(f"Temporal at {TEMPORAL}: {exc!r}")
    try:
        connection = await asyncio.wait_for(asyncpg.connect(f"{POSTGRES}/postgres"), 5)
        await connection.close()
    except Exception as exc:
        problems.append(f"PostgreSQL at {POSTGRES}: {exc!r}")
    return problems
