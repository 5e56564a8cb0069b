"""Who may do what on Referee's own Kafka: one SCRAM principal per service and per external system, and the
ACLs the broker's StandardAuthorizer enforces, derived from the topic registry's producers and consumers.

- a service writes only the topics it produces, its own dead-letter topic and ``auth.revocations`` (an admin
  may revoke a token through any service); it reads every topic of the install and uses its own groups;
- an external system (partner portal gateway, ERP, finance, HQ's tools) writes only its input topics and
  reads only the topics the contract gives it;
- ``admin`` (the deploy scripts, ``referee infra topics create``) is a super user.

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


def principals() -> tuple[str, ...]:
    """Every principal but the admin: the services, then the external systems."""
    return (*SERVICE_NAMES, *(system.producer_id for system in EXTERNAL_SYSTEMS))


def _topic(principal: str, name: str, *operations: str) -> list[Acl]:
    return [Acl(principal, "TOPIC", "LITERAL", name, op) for op in operations]


def access_plan(prefix: str) -> list[Acl]:
    """The ACLs of an install whose topics and groups start with ``prefix``."""
    acls: list[Acl] = []
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


def ensure_passwords(data_dir: Path) -> dict[str, Path]:
    """A random password per principal (admin included) in ``data_dir/secrets/kafka/`` (0600), kept once made."""
    files = {}
    for principal in (ADMIN, *principals()):
        path = password_file(data_dir, principal)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(24))
        files[principal] = path
    return files


def plan_text(prefix: str, data_dir: Path) -> str:
    """The plan deploy/kafka/KafkaAccess.java applies: the users with their password files, then the ACLs."""
    files = ensure_passwords(data_dir)
    users = [f"user {principal} {files[principal]}" for principal in principals()]
    return "\n".join([*users, *(acl.line() for acl in access_plan(prefix))]) + "\n"
