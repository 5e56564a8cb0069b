"""The one way services build their Kafka broker."""

from __future__ import annotations

import logging

from faststream.kafka import KafkaBroker

from ..settings import ServiceSettings
from .security import broker_security


def make_broker(settings: ServiceSettings) -> KafkaBroker:
    """A broker whose producer waits for the leader and replicas (acks=all) and never duplicates on retry."""
    return KafkaBroker(
        settings.kafka_bootstrap,
        client_id=f"{settings.topic_prefix}{settings.service_name}-{settings.instance_id}",
        acks="all",
        enable_idempotence=True,
        allow_auto_create_topics=False,
        security=broker_security(settings),
        logger=logging.getLogger(f"referee.{settings.service_name}.kafka"),
        log_level=logging.DEBUG,
        description=f"Referee {settings.service_name} service",
    )
