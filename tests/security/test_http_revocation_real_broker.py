"""`referee token revoke` through the real Kafka reaches a service instance's revocation list."""

from __future__ import annotations

import asyncio

import pytest
from faststream.kafka import KafkaBroker
from typer.testing import CliRunner

from referee_cli.tokens import app as tokens
from referee_shared.kafka.admin import create_topics, delete_topics
from referee_shared.kafka.security import broker_security
from referee_shared.revocation import RevocationList, follow_revocations
from referee_shared.settings import ServiceSettings
from referee_shared.topics import AUTH_REVOCATIONS

from ..stack import KAFKA, infrastructure_problems, kafka_client, kafka_env, kafka_settings, new_prefix

pytestmark = pytest.mark.integration


async def test_a_token_revoked_with_the_cli_is_refused_by_an_instance_reading_the_topic() -> None:
    problems = await infrastructure_problems()
    if problems:
        pytest.fail("needs the real infrastructure (make test):\n  " + "\n  ".join(problems), pytrace=False)
    prefix = new_prefix("revoke")
    await create_topics(KAFKA, prefix, (AUTH_REVOCATIONS,), client=kafka_client())
    revoked = RevocationList()
    broker = KafkaBroker(KAFKA, security=broker_security(ServiceSettings(local_mode=True, **kafka_settings("dedup"))))
    follow_revocations(broker, prefix, revoked)
    try:
        env = {"REFEREE_TOPIC_PREFIX": prefix, "REFEREE_KAFKA_BOOTSTRAP": KAFKA, **kafka_env()}
        result = await asyncio.to_thread(
            CliRunner().invoke, tokens, ["revoke", "stolen-laptop-token", "--reason", "stolen"], env=env
        )
        assert result.exit_code == 0, result.output
        await broker.start()  # started after the revocation: an instance starting later still reads it
        for _ in range(300):  # a loaded machine takes a while to join a topic
            if revoked.is_revoked("stolen-laptop-token"):
                break
            await asyncio.sleep(0.2)
        assert revoked.is_revoked("stolen-laptop-token")
        assert revoked.entries()[0].reason == "stolen"
    finally:
        await broker.stop()
        await delete_topics(KAFKA, prefix, client=kafka_client())
