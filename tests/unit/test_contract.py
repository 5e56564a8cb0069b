"""The published contract stays true: generated docs current, registry matching the real wiring."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from referee_cli.docs import DOCS, render
from referee_shared.events.catalog import decode
from referee_shared.events.envelope import envelope_json, new_envelope
from referee_shared.events.examples import EXAMPLES, example_of
from referee_shared.topics import ALL_TOPICS, CONSUMER_GROUPS

from .conftest import InMemorySystem


def test_generated_docs_match_the_code() -> None:
    stale = [
        path
        for path, content in render().items()
        if not (DOCS / path).exists() or (DOCS / path).read_text(encoding="utf-8") != content
    ]
    assert stale == [], "run `referee docs generate` and commit docs/"


@pytest.mark.parametrize("service", CONSUMER_GROUPS)
def test_each_service_reads_exactly_the_topics_the_registry_says(system: InMemorySystem, service: str) -> None:
    wired = {topic.name for topic in system.runtimes[service].consumer.subscriptions}
    declared = {topic.name for topic in ALL_TOPICS if service in topic.consumers}
    assert wired == declared


def test_every_external_event_type_has_an_example_that_its_topic_accepts() -> None:
    for topic in (t for t in ALL_TOPICS if t.external):
        for payload in topic.payloads:
            example = example_of(payload)
            assert example is not None, f"no example of {payload.event_type}"
            raw = envelope_json(new_envelope(example, producer="docs", occurred_at=datetime.now(UTC)))
            assert decode(topic, raw).payload == example
    assert len(EXAMPLES) == len({type(e) for e in EXAMPLES})
