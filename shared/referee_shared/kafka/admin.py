"""Creating the project's topics: the project decides partitions and configs, never auto-creation."""

from __future__ import annotations

import contextlib
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from ..topics import Topic, all_topics_with_dead_letters


async def create_topics(bootstrap: str, prefix: str = "", topics: tuple[Topic[Any], ...] | None = None) -> list[str]:
    """Create missing topics; returns the names created. Existing topics are left as they are."""
    wanted = topics or all_topics_with_dead_letters()
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t.full_name(prefix) not in existing]
        if not missing:
            return []
        new = [
            NewTopic(t.full_name(prefix), num_partitions=t.partitions, replication_factor=1, topic_configs=t.config)
            for t in missing
        ]
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics(new)
        return [t.full_name(prefix) for t in missing]
    finally:
        await admin.close()


async def delete_topics(bootstrap: str, prefix: str) -> None:
    """Delete every topic carrying ``prefix`` (used by test runs to clean up after themselves)."""
    if not prefix:
        raise ValueError("refusing to delete topics without a prefix")
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        names = [n for n in await admin.list_topics() if n.startswith(prefix)]
        if names:
            await admin.delete_topics(names)
    finally:
        await admin.close()
