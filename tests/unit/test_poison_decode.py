"""Whatever bytes arrive, decoding ends in an event or in UndecodableMessage with a reason, and the dead
letter that carries them fits in one Kafka record."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referee_shared.events.catalog import UndecodableMessage, decode
from referee_shared.kafka.deadletter import KEPT_VALUE_BYTES, DeadLetter
from referee_shared.topics import ALL_TOPICS, LEADS_SUBMITTED, Topic


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (None, "no value (a tombstone)"),
        (b'{"schema_version": ' + b"9" * 5000 + b"}", "not JSON this service can read: Exceeds the limit"),
        (b"[" * 50_000 + b"]" * 50_000, "not JSON this service can read: nested too deeply"),
        (b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "not JSON this service can read: nested too deeply"),
    ],
)
def test_the_poison_of_the_issue_is_undecodable_with_a_reason(raw: bytes | None, reason: str) -> None:
    with pytest.raises(UndecodableMessage) as refused:
        decode(LEADS_SUBMITTED, raw)
    assert refused.value.reason.startswith(reason)


@settings(max_examples=200, deadline=None)
@given(topic=st.sampled_from(ALL_TOPICS), raw=st.binary(max_size=200) | st.none())
def test_arbitrary_bytes_decode_or_are_refused_never_raise_anything_else(topic: Topic[Any], raw: bytes | None) -> None:
    reason = "decoded"
    try:
        decode(topic, raw)
    except UndecodableMessage as exc:
        reason = exc.reason
    assert reason


def test_a_dead_letter_keeps_a_bounded_part_of_a_huge_value_and_says_how_big_it_was() -> None:
    value = json.dumps({"x": '"' * 900_000}).encode()
    letter = DeadLetter.of(
        consumer="registration",
        reason="x" * 10_000,
        failed_at=datetime.now(UTC),
        topic="leads.submitted",
        partition=0,
        offset=7,
        key=None,
        value=value,
        headers={},
    )
    assert letter.value_size == len(value)
    assert len(letter.value_text or "") == KEPT_VALUE_BYTES
    assert len(letter.model_dump_json()) < 1_000_000
    tombstone = DeadLetter.of(
        consumer="registration",
        reason="no value",
        failed_at=datetime.now(UTC),
        topic="leads.submitted",
        partition=0,
        offset=8,
        key=b"k",
        value=None,
        headers={},
    )
    assert (tombstone.value_text, tombstone.value_base64, tombstone.value_size) == (None, None, None)
