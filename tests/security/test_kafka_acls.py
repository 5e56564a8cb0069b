"""The broker authenticates every client and authorises it by ACLs (issue 11, outcome 1), on a broker of this
test's own: SASL/SCRAM-SHA-512 and the StandardAuthorizer, started by the deploy scripts with
REFEREE_KAFKA_AUTH=scram on ports 29092/29093 and a data folder of its own (the shared broker is untouched)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError, KafkaError, TopicAuthorizationFailedError

from referee_shared.kafka.access import password_file

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / ".referee-sasl"
PORT, CONTROLLER_PORT = 29092, 29093
BOOTSTRAP = f"127.0.0.1:{PORT}"
ENV = {
    **os.environ,
    "REFEREE_DATA_DIR": str(DATA),
    "KAFKA_PORT": str(PORT),
    "KAFKA_CONTROLLER_PORT": str(CONTROLLER_PORT),
    "REFEREE_KAFKA_AUTH": "scram",
    "REFEREE_TOPIC_PREFIX": "",
}


def kafka_sh(command: str, timeout: float = 600) -> None:
    done = subprocess.run(
        [str(ROOT / "deploy" / "kafka.sh"), command], env=ENV, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"deploy/kafka.sh {command}: {done.stdout}{done.stderr}"


def as_principal(name: str) -> dict[str, str]:
    return {
        "REFEREE_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "REFEREE_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "REFEREE_KAFKA_SASL_USERNAME": name,
        "REFEREE_KAFKA_SASL_PASSWORD": password_file(DATA, name).read_text(),
    }


@pytest.fixture(scope="module")
def secured_broker() -> Iterator[str]:
    """This test's broker: installed from the worktree's jar cache, formatted with the admin's SCRAM credentials,
    its users and ACLs applied from the topic registry, its topics created as admin; stopped afterwards."""
    cache = DATA / "cache"
    if not cache.exists():
        DATA.mkdir(exist_ok=True)
        cache.symlink_to(ROOT / ".referee" / "cache", target_is_directory=True)
    kafka_sh("start")
    try:
        kafka_sh("wait")
        kafka_sh("secure")
        created = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "referee"), "infra", "topics", "create"],
            env={**ENV, "REFEREE_KAFKA_BOOTSTRAP": BOOTSTRAP, **as_principal("admin")},
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert created.returncode == 0, created.stdout + created.stderr
        yield BOOTSTRAP
    finally:
        kafka_sh("stop")


def producer(name: str | None, password: str | None = None) -> AIOKafkaProducer:
    if name is None:
        return AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, request_timeout_ms=5000, metadata_max_age_ms=5000)
    return AIOKafkaProducer(
        bootstrap_servers=BOOTSTRAP, security_protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-512",
        sasl_plain_username=name, sasl_plain_password=password or password_file(DATA, name).read_text(),
        request_timeout_ms=10000,
    )  # fmt: skip


async def written(name: str, topic: str) -> None:
    client = producer(name)
    await client.start()
    try:
        await client.send_and_wait(topic, b"{}", key=b"acl-test")
    finally:
        await client.stop()


async def test_a_client_without_credentials_or_with_a_wrong_password_is_refused(secured_broker: str) -> None:
    anonymous = producer(None)
    with pytest.raises(KafkaConnectionError):
        await anonymous.start()
    await anonymous.stop()
    impostor = producer("partner-portal", password="guessed")
    with pytest.raises(KafkaError):
        await impostor.start()
    await impostor.stop()


async def test_the_partner_portal_may_not_write_rulings_or_deals(secured_broker: str) -> None:
    for topic in ("disputes.rulings", "deals.closed", "leads.locks"):
        with pytest.raises(TopicAuthorizationFailedError):
            await written("partner-portal", topic)


async def test_each_writer_writes_its_own_topics(secured_broker: str) -> None:
    await written("partner-portal", "leads.submitted")
    await written("erp", "deals.closed")
    await written("registration", "leads.decisions")
    await written("registration", "deadletter.registration")
    await written("arbitration", "disputes.rulings")
    await written("qualification", "rules.versions")  # a channel manager uploaded through qualification


async def test_a_service_may_not_write_another_services_topics(secured_broker: str) -> None:
    # the test harness's principal reaches only the test stacks' topics (it-*), never the install's
    pairs = (("registration", "disputes.rulings"), ("settlement", "deals.closed"), ("erp", "leads.locks"))
    for name, topic in (*pairs, ("tests", "deals.closed"), ("console", "leads.decisions")):
        with pytest.raises(TopicAuthorizationFailedError):
            await written(name, topic)
