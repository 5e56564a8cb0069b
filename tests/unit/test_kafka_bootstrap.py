"""A cluster's bootstrap list reaches the services' Kafka client as separate brokers, not as one address."""

from __future__ import annotations

from referee_shared.kafka.broker import bootstrap_servers, make_broker
from referee_shared.settings import ServiceSettings


def test_a_comma_separated_bootstrap_is_split_into_its_brokers() -> None:
    settings = ServiceSettings(kafka_bootstrap="127.0.0.1:19192, 127.0.0.1:19194,127.0.0.1:19196", auth_secret="s" * 40)
    assert bootstrap_servers(settings) == ["127.0.0.1:19192", "127.0.0.1:19194", "127.0.0.1:19196"]
    broker = make_broker(settings)
    assert broker._connection_kwargs["bootstrap_servers"] == ["127.0.0.1:19192", "127.0.0.1:19194", "127.0.0.1:19196"]


def test_a_single_broker_stays_one_address() -> None:
    assert bootstrap_servers(ServiceSettings(kafka_bootstrap="127.0.0.1:9092", auth_secret="s" * 40)) == [
        "127.0.0.1:9092"
    ]
