"""Readiness probe for the local Kafka broker, used by `deploy/kafka.sh wait`.

Exit 0 when the broker at BOOTSTRAP answers a metadata request that lists at
least one broker and an active controller (the broker is unfenced and can create
topics); exit 1 otherwise. Needs aiokafka (the project's .venv has it).

    python deploy/kafka/ready.py 127.0.0.1:9092

With REFEREE_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT (and the SASL user and password) it logs in first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient


async def probe(bootstrap: str) -> bool:
    client = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000, **_login())
    try:
        await client.start()
        cluster = await client.describe_cluster()
        await client.list_topics()
    except Exception:
        return False
    finally:
        with contextlib.suppress(Exception):
            await client.close()
    controller = cluster.get("controller_id")
    return bool(cluster.get("brokers")) and controller is not None and controller >= 0


def _login() -> dict[str, Any]:
    protocol = os.environ.get("REFEREE_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT")
    if protocol == "PLAINTEXT":
        return {}
    return {
        "security_protocol": protocol,
        "sasl_mechanism": os.environ.get("REFEREE_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512"),
        "sasl_plain_username": os.environ.get("REFEREE_KAFKA_SASL_USERNAME", ""),
        "sasl_plain_password": os.environ.get("REFEREE_KAFKA_SASL_PASSWORD", ""),
    }


def main() -> int:
    logging.basicConfig(level=logging.CRITICAL)
    bootstrap = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:9092"
    try:
        ready = asyncio.run(asyncio.wait_for(probe(bootstrap), timeout=10))
    except TimeoutError:
        ready = False
    return 0 if ready else 1


if __name__ == "__main__":
    sys.exit(main())
