"""Creating the project's topics: the project decides partitions and configs, never auto-creation."""

from __future__ import annotations

import contextlib
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

from ..topics import Topic, all_topics_with_dead_letters


async def create_topics(
    bootstrap: str,
    prefix: str = "",
    topics: tuple[Topic[Any], ...] | None = None,
    *,
    replication_factor: int = 1,
    client: dict[str, Any] | None = None,
) -> list[str]:
    """Create missing topics with ``replication_factor`` replicas; returns the names created. Existing topics
    are left as they are. ``client`` holds the admin client's security options (``security.client_options``)."""
    wanted = topics or all_topics_with_dead_letters()
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **(client or {}))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t.full_name(prefix) not in existing]
        if not missing:
            return []
        new = [
            NewTopic(
                t.full_name(prefix),
                num_partitions=t.partitions,
                replication_factor=replication_factor,
                topic_configs=t.config,
            )
            for t in missing
        ]
        with contextlib.suppress(TopicAlreadyExistsError):
            answer = await admin.create_topics(new)
            # The broker answers per topic instead of failing the call: a refusal (say, more replicas than
            # brokers) would otherwise pass unnoticed and leave the topic missing.
            for name, code, message in getattr(answer, "topic_errors", ()):
                if code not in (0, TopicAlreadyExistsError.errno):
                    raise for_code(code)(f"topic {name} not created: {message}")
        return [t.full_name(prefix) for t in missing]
    finally:
        await admin.close()


async def delete_topics(bootstrap: str, prefix: str, *, client: dict[str, Any] | None = None) -> None:
    """Delete every topic carrying ``prefix`` (used by test runs to clean up after themselves)."""
    if not prefix:
        raise ValueError("refusing to delete topics without a prefix")
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **(client or {}))
    await admin.start()
    try:
        names = [n for n in await admin.list_topics() if n.startswith(prefix)]
        if names:
            await admin.delete_topics(names)
    finally:
        await admin.close()
