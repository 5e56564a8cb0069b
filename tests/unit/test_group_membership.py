"""How a service's consumers join their groups: a dead member noticed in the session time, and static
membership (KIP-345) only when asked for, with an id per service instance."""

from __future__ import annotations

from referee_shared.runtime import group_membership
from referee_shared.settings import ServiceSettings


def settings(**values: object) -> ServiceSettings:
    return ServiceSettings(service_name="registration", auth_secret="x" * 32, **values)  # type: ignore[arg-type]


def test_consumers_join_as_dynamic_members_unless_static_membership_is_asked_for() -> None:
    options = group_membership(settings()).options()

    assert options == {"session_timeout_ms": 10_000, "heartbeat_interval_ms": 3_000}


def test_a_static_member_is_named_by_its_install_service_and_instance() -> None:
    first = group_membership(
        settings(
            topic_prefix="chaos.",
            instance_id="1",
            kafka_static_membership=True,
            kafka_session_timeout_ms=6_000,
            kafka_heartbeat_interval_ms=1_000,
        )
    )
    second = group_membership(settings(topic_prefix="chaos.", instance_id="2", kafka_static_membership=True))

    assert first.options() == {
        "session_timeout_ms": 6_000,
        "heartbeat_interval_ms": 1_000,
        "group_instance_id": "chaos.registration-1",
    }
    assert second.instance == "chaos.registration-2"  # two instances never fence each other
