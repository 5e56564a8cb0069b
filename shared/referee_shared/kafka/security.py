"""How a client authenticates to Kafka, from settings: plain on a development machine, SASL/SCRAM (over TLS
in production) where the cluster asks for it. One place for the broker, the admin client and the CLI."""

from __future__ import annotations

import ssl
from typing import Any

from faststream.security import SASLScram256, SASLScram512

from ..settings import ServiceSettings


def _ssl_context(settings: ServiceSettings) -> ssl.SSLContext | None:
    if settings.kafka_security_protocol != "SASL_SSL":
        return None
    cafile = str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None
    return ssl.create_default_context(cafile=cafile)


def broker_security(settings: ServiceSettings) -> SASLScram256 | SASLScram512 | None:
    """faststream's security object for the configured protocol (None for PLAINTEXT)."""
    if settings.kafka_security_protocol == "PLAINTEXT":
        return None
    scram = SASLScram512 if settings.kafka_sasl_mechanism == "SCRAM-SHA-512" else SASLScram256
    return scram(
        settings.kafka_sasl_username,
        settings.kafka_sasl_password,
        ssl_context=_ssl_context(settings),
        use_ssl=settings.kafka_security_protocol == "SASL_SSL",
    )


def client_options(settings: ServiceSettings) -> dict[str, Any]:
    """The same, as keyword arguments of aiokafka's clients (the admin client creating topics)."""
    if settings.kafka_security_protocol == "PLAINTEXT":
        return {}
    return {
        "security_protocol": settings.kafka_security_protocol,
        "sasl_mechanism": settings.kafka_sasl_mechanism,
        "sasl_plain_username": settings.kafka_sasl_username,
        "sasl_plain_password": settings.kafka_sasl_password,
        "ssl_context": _ssl_context(settings),
    }
