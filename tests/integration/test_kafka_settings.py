"""Kafka security and replication come from settings: what production's manifests set is what clients use."""

from __future__ import annotations

import pytest
from aiokafka.errors import InvalidReplicationFactorError
from faststream.security import SASLScram512

from referee_shared.kafka.admin import create_topics, delete_topics
from referee_shared.kafka.security import broker_security, client_options
from referee_shared.settings import ServiceSettings
from referee_shared.topics import LEADS_SUBMITTED

from ..stack import KAFKA, kafka_client, new_prefix


def test_a_development_machine_talks_plaintext_and_production_sasl_over_tls() -> None:
    plain = ServiceSettings(local_mode=True)
    production = ServiceSettings(
        local_mode=True,
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_username="referee-registration",
        kafka_sasl_password="s3cret",
    )
    assert broker_security(plain) is None
    assert client_options(plain) == {}
    security = broker_security(production)
    assert isinstance(security, SASLScram512)
    assert security.use_ssl
    options = client_options(production)
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_plain_username"] == "referee-registration"
    assert options["ssl_context"] is not None


@pytest.mark.integration
async def test_topics_are_created_with_the_replication_factor_of_the_settings() -> None:
    prefix = new_prefix("rf")
    try:
        # One broker here: three replicas cannot be placed, which proves the factor reaches the broker.
        with pytest.raises(InvalidReplicationFactorError):
            await create_topics(KAFKA, prefix, (LEADS_SUBMITTED,), replication_factor=3, client=kafka_client())
        assert await create_topics(KAFKA, prefix, (LEADS_SUBMITTED,), replication_factor=1, client=kafka_client()) == [
            LEADS_SUBMITTED.full_name(prefix)
        ]
    finally:
        await delete_topics(KAFKA, prefix, client=kafka_client())
