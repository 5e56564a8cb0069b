"""Who may do what on Referee's own Kafka: one SCRAM principal per service and per external system, and the
ACLs the broker's StandardAuthorizer enforces, derived from the topic registry's producers and consumers.

- a service writes only the topics it produces, its own dead-letter topic and ``auth.revocations`` (an admin
  may revoke a token through any service); it reads every topic of the install and uses its own groups;
- an external system (partner portal gateway, ERP, finance, HQ's tools) writes only its input topics and
  reads only the topics the contract gives it;
- ``admin`` (the deploy scripts, ``referee infra topics create``) is a super user;
- on a development broker that also serves the test suite (``test_stacks``), every test stack's topics start with
  ``it-`` and a unique prefix: the services may read, write and join groups under ``it-`` (the per-topic
  ownership is tested on a broker of its own, tests/security/test_kafka_acls.py), and the ``tests`` principal
  (the harness: creates and deletes a stack's topics, plays the outside systems, watches every topic) may do
  anything there. Nothing outside ``it-`` is opened by it.

Signatures are still checked by every consumer: an ACL wrongly opened is not enough to forge a message.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from ..services import SERVICE_NAMES
from ..topics import ALL_TOPICS, AUTH_REVOCATIONS, dead_letter_topic
from ..trust.local import EXTERNAL_SYSTEMS

ADMIN = "admin"
TESTS = "tests"
CONSOLE = "console"
"""the console reads the services' events for its notification centre and dead-letters what it cannot read"""
TEST_STACKS_ROOT = "it-"
"""what every test stack's topic prefix starts with (tests/stack.py new_prefix)"""
SECRETS_FOLDER = Path("secrets") / "kafka"


@dataclass(frozen=True)
class Acl:
    principal: str
    resource: str
    """TOPIC, GROUP or CLUSTER"""
    pattern: str
    """LITERAL or PREFIXED"""
    name: str
    operation: str

    def line(self) -> str:
        return f"acl User:{self.principal} {self.resource} {self.pattern} {self.name} {self.operation}"


def principals(*, test_stacks: bool = False) -> tuple[str, ...]:
    """Every principal but the admin: the services, then the external systems (then the test harness)."""
    harness = (TESTS,) if test_stacks else ()
    return (*SERVICE_NAMES, CONSOLE, *(system.producer_id for system in EXTERNAL_SYSTEMS), *harness)


def _topic(principal: str, name: str, *operations: str) -> list[Acl]:
    return [Acl(principal, "TOPIC", "LITERAL", name, op) for op in operations]


def test_stack_acls() -> list[Acl]:
    """What the test suite's stacks need on a development broker: everything under ``it-``, nothing else."""
    acls = [
        Acl(principal, resource, "PREFIXED", TEST_STACKS_ROOT, operation)
        for principal in (*SERVICE_NAMES, CONSOLE)
        for resource, operation in (("TOPIC", "READ"), ("TOPIC", "WRITE"), ("TOPIC", "DESCRIBE"), ("GROUP", "READ"))
    ]
    return [*acls, *(Acl(TESTS, resource, "PREFIXED", TEST_STACKS_ROOT, "ALL") for resource in ("TOPIC", "GROUP"))]


def access_plan(prefix: str, *, test_stacks: bool = False) -> list[Acl]:
    """The ACLs of an install whose topics and groups start with ``prefix`` (and of the test suite's stacks)."""
    acls: list[Acl] = test_stack_acls() if test_stacks else []
    for service in SERVICE_NAMES:
        owned = [t.name for t in ALL_TOPICS if service in t.producers]
        owned += [dead_letter_topic(service).name, AUTH_REVOCATIONS.name]
        for name in owned:
            acls += _topic(service, prefix + name, "WRITE", "DESCRIBE")
        every_topic = ("PREFIXED", prefix) if prefix else ("LITERAL", "*")
        acls += [
            Acl(service, "TOPIC", *every_topic, "READ"),
            Acl(service, "TOPIC", *every_topic, "DESCRIBE"),
            Acl(service, "GROUP", "PREFIXED", f"{prefix}{service}", "READ"),
        ]
    every_topic = ("PREFIXED", prefix) if prefix else ("LITERAL", "*")
    acls += _topic(CONSOLE, prefix + dead_letter_topic(CONSOLE).name, "WRITE", "DESCRIBE")
    acls += [
        Acl(CONSOLE, "TOPIC", *every_topic, "READ"),
        Acl(CONSOLE, "TOPIC", *every_topic, "DESCRIBE"),
        Acl(CONSOLE, "GROUP", "PREFIXED", f"{prefix}{CONSOLE}", "READ"),
    ]
    for system in EXTERNAL_SYSTEMS:
        for topic in ALL_TOPICS:
            if system.label in topic.producers:
                acls += _topic(system.producer_id, topic.full_name(prefix), "WRITE", "DESCRIBE")
            if system.label in topic.consumers:
                acls += _topic(system.producer_id, topic.full_name(prefix), "READ", "DESCRIBE")
        acls.append(Acl(system.producer_id, "GROUP", "PREFIXED", f"{prefix}{system.producer_id}", "READ"))
    return acls


def password_file(data_dir: Path, principal: str) -> Path:
    return data_dir / SECRETS_FOLDER / principal


def ensure_passwords(data_dir: Path, *, test_stacks: bool = False) -> dict[str, Path]:
    """A random password per principal (admin included) in ``data_dir/secrets/kafka/`` (0600), kept once made."""
    files = {}
    for principal in (ADMIN, *principals(test_stacks=test_stacks)):
        path = password_file(data_dir, principal)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(24))
        files[principal] = path
    return files


def plan_text(prefix: str, data_dir: Path, *, test_stacks: bool = False) -> str:
    """The plan deploy/kafka/KafkaAccess.java applies: the users with their password files, then the ACLs."""
    files = ensure_passwords(data_dir, test_stacks=test_stacks)
    users = [f"user {principal} {files[principal]}" for principal in principals(test_stacks=test_stacks)]
    acls = access_plan(prefix, test_stacks=test_stacks)
    return "\n".join([*users, *(acl.line() for acl in acls)]) + "\n"
