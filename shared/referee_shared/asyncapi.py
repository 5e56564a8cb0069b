"""AsyncAPI documents of each service, from the topic registry, for ``faststream docs gen``.

``faststream docs gen referee_shared.asyncapi:registration`` (and :dedup, :qualification,
:arbitration, :settlement) writes the channels a service reads and writes, each message being the
envelope around the payloads of its topic. The registry's consumers are checked against each
service's real subscriptions by a test, so the documents cannot drift from the wiring.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any

from faststream import FastStream
from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI

from .events.envelope import Envelope
from .kafka.deadletter import DeadLetter
from .topics import CONSUMER_GROUPS, Topic, all_topics_with_dead_letters

DESCRIPTIONS = {
    "registration": "Intake of registrations, lead lifecycle and locks, follow-up trail, reviewers' inbox.",
    "dedup": "Customer index, normalisation and matching, territories, account slices and tiers.",
    "qualification": "Partner qualifications per product line, gating checks, reviews and expiry.",
    "arbitration": "Disputes, evidence bundles, escalation and rulings.",
    "settlement": "Split rules, statements for finance, reversals and payment status.",
}


def message_type(topic: Topic[Any]) -> Any:
    """The envelope type of a topic's messages (a union when it carries several payloads)."""
    if not topic.payloads:
        return DeadLetter
    envelopes = [Envelope[payload] for payload in topic.payloads]  # type: ignore[valid-type]
    return reduce(or_, envelopes)


def specification(service: str) -> AsyncAPI:
    """The AsyncAPI document of a service: what it reads and writes, by topic."""
    broker = KafkaBroker("127.0.0.1:9092", description=DESCRIPTIONS[service])
    for topic in all_topics_with_dead_letters():
        if service in topic.consumers:
            _document_subscriber(broker, service, topic)
        if service in topic.producers:
            broker.publisher(
                topic.name, schema=message_type(topic), title=f"{service}->{topic.name}", description=topic.description
            )
    return AsyncAPI(broker, title=f"Referee {service}", version="1", description=DESCRIPTIONS[service])


def service_app(service: str) -> FastStream:
    """A FastStream app carrying only the document, for ``faststream docs gen``."""
    spec = specification(service)
    return FastStream(spec.brokers[0], specification=spec)


def _document_subscriber(broker: KafkaBroker, service: str, topic: Topic[Any]) -> None:
    async def handler(body: Any) -> None:  # documentation only: never run
        raise NotImplementedError

    handler.__annotations__ = {"body": message_type(topic), "return": None}
    broker.subscriber(
        topic.name, group_id=f"{service}.{topic.name}", title=f"{topic.name}->{service}", description=topic.description
    )(handler)


def __getattr__(name: str) -> FastStream:
    """``referee_shared.asyncapi:<service>`` for every service in the list, without a name per service here."""
    if name in CONSUMER_GROUPS:
        return service_app(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
