"""How the demo talks to the running system: as partner portals and ERP over Kafka, as staff over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from referee_shared.auth import Role, issue_token
from referee_shared.events.catalog import UndecodableMessage, decode
from referee_shared.events.envelope import Envelope, P, envelope_json, new_envelope
from referee_shared.kafka.security import client_options
from referee_shared.services import SERVICES
from referee_shared.settings import ServiceSettings
from referee_shared.topics import ALL_TOPICS, Topic
from referee_shared.trust.local import signed_as_producer

# The same variables deploy/services.sh starts the services with.
SERVICE_PORTS = {service.name: service.http_port() for service in SERVICES}


class DemoClient:
    """Publishes events as outside systems would, and reads what the referee published back."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        login = client_options(settings)  # the demo plays every outside system: with SCRAM, as the admin
        self._producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all", **login)
        self._consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False, **login)
        self._seen: list[tuple[Topic[Any], bytes]] = []
        self._reader: asyncio.Task[None] | None = None
        self._arrived = asyncio.Condition()

    async def __aenter__(self) -> DemoClient:
        await self._producer.start()
        await self._consumer.start()
        partitions = []
        for topic in ALL_TOPICS:
            name = topic.full_name(self.settings.topic_prefix)
            for p in self._consumer.partitions_for_topic(name) or await self._partitions(name):
                partitions.append(TopicPartition(name, p))
        self._consumer.assign(partitions)
        await self._consumer.seek_to_end(*partitions)
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._reader:
            self._reader.cancel()
        await self._consumer.stop()
        await self._producer.stop()

    async def _partitions(self, name: str) -> set[int]:
        await self._consumer._client.force_metadata_update()
        found = self._consumer.partitions_for_topic(name)
        if not found:
            raise SystemExit(f"topic {name} does not exist: run `referee infra topics create`")
        return set(found)

    async def _read(self) -> None:
        by_name = {t.full_name(self.settings.topic_prefix): t for t in ALL_TOPICS}
        while True:
            batches = await self._consumer.getmany(timeout_ms=200)
            async with self._arrived:
                for records in batches.values():
                    self._seen.extend((by_name[r.topic], r.value) for r in records)
                self._arrived.notify_all()

    async def publish(self, topic: Topic[P], payload: P, key: str, producer: str = "partner-portal") -> None:
        envelope = new_envelope(payload, producer=producer, occurred_at=datetime.now(UTC))
        if self.settings.message_trust:  # the demo plays the portals, the ERP and finance with their keys
            envelope = signed_as_producer(self.settings.resolved_trust_dir(), envelope)
        await self._producer.send_and_wait(
            topic.full_name(self.settings.topic_prefix), envelope_json(envelope), key=key.encode()
        )

    async def wait_for(
        self, topic: Topic[P], predicate: Callable[[Envelope[P]], bool], wait_seconds: float = 60
    ) -> Envelope[P]:
        """The first event of ``topic`` (published after the demo started) that satisfies ``predicate``."""

        def found() -> Envelope[P] | None:
            for seen_topic, raw in self._seen:
                if seen_topic is topic:
                    try:
                        event = decode(topic, raw)
                    except UndecodableMessage:
                        continue
                    if predicate(event):
                        return event
            return None

        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: found() is not None), wait_seconds)
        event = found()
        assert event is not None
        return event

    def http(self, service: str, role: Role, subject: str, **claims: Any) -> httpx.AsyncClient:
        token = issue_token(
            self.settings.auth_secret,
            subject=subject,
            role=role,
            now=datetime.now(UTC),
            issuer=self.settings.auth_issuer,
            audience=self.settings.auth_audience,
            **claims,
        )
        return httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{SERVICE_PORTS[service]}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
