"""The consumer's promise: bad input is dead-lettered at once, a broken handler after a few attempts,
and an outage of a dependency is waited out without dead-lettering anything."""

from __future__ import annotations

from typing import Any

import pytest
from aiokafka.structs import ConsumerRecord
from faststream.kafka import KafkaBroker
from sqlalchemy.exc import OperationalError

from referee_shared.clock import SystemClock
from referee_shared.events.envelope import Envelope, envelope_json
from referee_shared.kafka.consumer import Delivery, EventConsumer, Unprocessable, is_outage
from referee_shared.kafka.publisher import Record
from referee_shared.topics import LEADS_SUBMITTED

from ..builders import envelope, submission


class Collecting:
    def __init__(self) -> None:
        self.records: list[Record] = []

    async def send(self, records: list[Record]) -> None:
        self.records.extend(records)


def delivered(value: bytes, offset: int = 7) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(
        topic="leads.submitted",
        partition=0,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=b"k",
        value=value,
        checksum=None,
        serialized_key_size=1,
        serialized_value_size=len(value),
        headers=(),
    )


def consumer(sender: Collecting, max_attempts: int = 3) -> EventConsumer:
    return EventConsumer(
        KafkaBroker(),
        sender,
        group="registration",
        topic_prefix="",
        clock=SystemClock(),
        max_attempts=max_attempts,
        retry_backoff_seconds=0,
    )


async def redeliver(target: EventConsumer, handler: Any, record: ConsumerRecord[bytes, bytes], times: int) -> int:
    """Deliver the same record until the consumer is done with it (the broker would deliver it again)."""
    for attempt in range(1, times + 1):
        if await target.consume_record(LEADS_SUBMITTED, handler, record):
            return attempt
    return times


async def test_a_handler_that_keeps_failing_is_dead_lettered_after_max_attempts() -> None:
    sender = Collecting()

    async def broken(_event: Envelope[Any], _delivery: Delivery) -> None:
        raise ValueError("bug")

    attempts = await redeliver(consumer(sender), broken, delivered(envelope_json(envelope(submission()))), 10)

    assert attempts == 3
    [letter] = sender.records
    assert letter.topic == "deadletter.registration"
    assert b"failed 3 times: ValueError('bug')" in letter.value


async def test_an_unprocessable_message_is_dead_lettered_at_once() -> None:
    sender = Collecting()

    async def refusing(_event: Envelope[Any], _delivery: Delivery) -> None:
        raise Unprocessable("unknown product line 'spaceships'")

    assert await redeliver(consumer(sender), refusing, delivered(envelope_json(envelope(submission()))), 10) == 1
    assert b"unknown product line" in sender.records[0].value


async def test_a_database_outage_is_waited_out_without_dead_letters() -> None:
    sender = Collecting()
    failures = iter(range(6))
    handled: list[Envelope[Any]] = []

    async def database_down_for_a_while(event: Envelope[Any], _delivery: Delivery) -> None:
        if next(failures, None) is not None:
            raise OperationalError("INSERT", {}, ConnectionRefusedError("connection refused"))
        handled.append(event)

    message = delivered(envelope_json(envelope(submission())))
    attempts = await redeliver(consumer(sender, max_attempts=2), database_down_for_a_while, message, 10)

    assert attempts == 7
    assert len(handled) == 1
    assert sender.records == []


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (OperationalError("SELECT 1", {}, OSError("down")), True),
        (ConnectionRefusedError(), True),
        (TimeoutError(), True),
        (ValueError("bug"), False),
        (KeyError("x"), False),
    ],
)
def test_outages_are_told_apart_from_bugs(error: Exception, outage: bool) -> None:
    assert is_outage(error) is outage
