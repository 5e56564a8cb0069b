"""The one way services build their Kafka broker."""

from __future__ import annotations

import logging

from faststream.kafka import KafkaBroker

from ..settings import ServiceSettings
from .security import broker_security


def bootstrap_servers(settings: ServiceSettings) -> list[str]:
    """The brokers of ``REFEREE_KAFKA_BOOTSTRAP``, a comma-separated list."""
    return [server.strip() for server in settings.kafka_bootstrap.split(",") if server.strip()]


def make_broker(settings: ServiceSettings) -> KafkaBroker:
    """A broker whose producer waits for the leader and replicas (acks=all) and never duplicates on retry."""
    return KafkaBroker(
        # faststream takes a string as ONE address: "a:1,b:2" would be dialled as host "a:1,b" port 2. A
        # cluster's bootstrap list (REFEREE_KAFKA_BOOTSTRAP=a:1,b:2,c:3) is split here into its brokers.
        bootstrap_servers(settings),
        client_id=f"{settings.topic_prefix}{settings.service_name}-{settings.instance_id}",
        acks="all",
        enable_idempotence=True,
        allow_auto_create_topics=False,
        security=broker_security(settings),
        logger=logging.getLogger(f"referee.{settings.service_name}.kafka"),
        log_level=logging.DEBUG,
        description=f"Referee {settings.service_name} service",
    )
