"""A message that cannot be processed yet: copied to the retry topic with its key, headers and bytes and a stamp
of where and when it first arrived, handed back to the handler as it first came, dead-lettered after the bound."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka.structs import ConsumerRecord
from faststream.kafka import KafkaBroker

from referee_shared.clock import SystemClock
from referee_shared.events.envelope import Envelope, envelope_json
from referee_shared.kafka.consumer import Delivery, EventConsumer
from referee_shared.kafka.deadletter import DeadLetter
from referee_shared.kafka.retry import NotYet, RetryPolicy, RetryStamp
from referee_shared.settings import ServiceSettings
from referee_shared.topics import LEADS_ACTIVITIES, LEADS_SUBMITTED, all_topics_with_dead_letters

from ..builders import envelope, submission
from .test_consumer import Collecting

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
FIRST_ARRIVAL_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z, the broker's append time of the original


def stamp(attempts: int, first_failed_at: datetime = NOW) -> RetryStamp:
    return RetryStamp(
        source_topic="leads.submitted",
        source_partition=3,
        source_offset=41,
        first_broker_time=datetime.fromtimestamp(FIRST_ARRIVAL_MS / 1000, UTC),
        first_broker_time_is_append_time=True,
        first_failed_at=first_failed_at,
        attempts=attempts,
        not_before=NOW,
        reason="lead not recorded yet",
    )


def test_the_policy_retries_after_its_delay_until_its_last_attempt() -> None:
    policy = RetryPolicy(delay_seconds=5, max_attempts=3)

    assert policy.next_attempt_at(1, NOW) == NOW + timedelta(seconds=5)
    assert policy.next_attempt_at(2, NOW) == NOW + timedelta(seconds=5)
    assert policy.next_attempt_at(3, NOW) is None
    assert policy.next_attempt_at(4, NOW) is None


def test_the_give_up_reason_keeps_the_handler_s_words_first_and_says_the_bound() -> None:
    policy = RetryPolicy(delay_seconds=5, max_attempts=3)

    reason = policy.give_up_reason("unknown_lead: deal D-1", stamp(3, NOW - timedelta(seconds=10)), NOW)

    assert reason == "unknown_lead: deal D-1 (still not processable after 3 attempts over 10 s)"


def test_the_policy_defaults_are_the_shared_settings() -> None:
    settings = ServiceSettings(retry_delay_seconds=2.5, retry_max_attempts=9)
    assert RetryPolicy.default() == RetryPolicy(5.0, 60)
    assert (settings.retry_delay_seconds, settings.retry_max_attempts) == (2.5, 9)
    with pytest.raises(ValueError, match="less than or equal to 120"):
        ServiceSettings(retry_delay_seconds=600)


def test_a_stamp_reads_back_from_its_headers_and_a_broken_one_says_what_is_wrong() -> None:
    original = stamp(2)

    assert RetryStamp.read({"correlation-id": "c-1", **original.headers()}) == original
    with pytest.raises(ValueError, match="without its retry-attempts header"):
        RetryStamp.read({k: v for k, v in original.headers().items() if k != "retry-attempts"})
    with pytest.raises(ValueError, match="broken stamp"):
        RetryStamp.read({**original.headers(), "retry-not-before-ms": "soon"})


def test_every_service_has_a_retry_topic_carrying_what_it_reads() -> None:
    names = {t.name: t for t in all_topics_with_dead_letters()}
    assert {"retry.registration", "retry.settlement", "retry.dedup", "retry.qualification", "retry.arbitration"} <= set(
        names
    )
    assert LEADS_ACTIVITIES.payloads[0] in names["retry.registration"].payloads


def original(value: bytes) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(
        topic="leads.submitted",
        partition=3,
        offset=41,
        timestamp=FIRST_ARRIVAL_MS,
        timestamp_type=1,
        key=b"lead-key",
        value=value,
        checksum=None,
        serialized_key_size=8,
        serialized_value_size=len(value),
        headers=[("correlation-id", b"c-1")],
    )


def as_read_from_retry_topic(copy: Any, offset: int) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(
        topic=copy.topic,
        partition=0,
        offset=offset,
        timestamp=FIRST_ARRIVAL_MS + 60_000,
        timestamp_type=0,
        key=copy.key,
        value=copy.value,
        checksum=None,
        serialized_key_size=len(copy.key),
        serialized_value_size=len(copy.value),
        headers=[(name, value.encode()) for name, value in copy.headers.items()],
    )


def retrying_consumer(sender: Collecting, max_attempts: int) -> EventConsumer:
    return EventConsumer(
        KafkaBroker(),
        sender,
        group="registration",
        topic_prefix="",
        clock=SystemClock(),
        retry_backoff_seconds=0,
        retry=RetryPolicy(delay_seconds=0, max_attempts=max_attempts),
    )


async def test_a_not_yet_message_goes_to_the_retry_topic_as_it_came_and_returns_with_its_first_broker_time() -> None:
    sender = Collecting()
    target = retrying_consumer(sender, max_attempts=3)
    seen: list[Delivery] = []

    async def lead_arrives_on_the_second_try(event: Envelope[Any], delivery: Delivery) -> None:
        seen.append(delivery)
        if len(seen) == 1:
            raise NotYet("lead not recorded yet")

    target.on(LEADS_SUBMITTED, lead_arrives_on_the_second_try)
    value = envelope_json(envelope(submission()))

    assert await target.consume_record(LEADS_SUBMITTED, lead_arrives_on_the_second_try, original(value))
    [copy] = sender.records
    assert (copy.topic, copy.key, copy.value) == ("retry.registration", b"lead-key", value)  # the bytes signed
    assert copy.headers["correlation-id"] == "c-1"
    assert RetryStamp.read(copy.headers).attempts == 1

    assert await target.consume_retry_record(as_read_from_retry_topic(copy, offset=0))

    assert len(sender.records) == 1  # processed: nothing more sent
    retried = seen[1]
    assert (retried.topic, retried.partition, retried.offset) == ("leads.submitted", 3, 41)
    assert retried.broker_time == datetime.fromtimestamp(FIRST_ARRIVAL_MS / 1000, UTC)
    assert retried.broker_time_is_append_time
    assert retried.value == value


async def test_a_message_still_not_processable_after_the_bound_is_dead_lettered_with_the_reason() -> None:
    sender = Collecting()
    target = retrying_consumer(sender, max_attempts=3)

    async def never(_event: Envelope[Any], _delivery: Delivery) -> None:
        raise NotYet("unknown_lead: activity A names lead L")

    target.on(LEADS_SUBMITTED, never)
    await target.consume_record(LEADS_SUBMITTED, never, original(envelope_json(envelope(submission()))))
    for offset in range(2):
        await target.consume_retry_record(as_read_from_retry_topic(sender.records[-1], offset))

    assert [r.topic for r in sender.records] == ["retry.registration", "retry.registration", "deadletter.registration"]
    letter = DeadLetter.model_validate_json(sender.records[-1].value)
    assert letter.reason.startswith("unknown_lead: activity A names lead L (still not processable after 3 attempts")
    assert (letter.source_topic, letter.partition, letter.offset, letter.attempts) == ("leads.submitted", 3, 41, 3)


async def test_a_record_on_the_retry_topic_without_a_stamp_is_dead_lettered_not_handled() -> None:
    sender = Collecting()
    target = retrying_consumer(sender, max_attempts=3)
    handled: list[Envelope[Any]] = []

    async def handler(event: Envelope[Any], _delivery: Delivery) -> None:
        handled.append(event)

    target.on(LEADS_SUBMITTED, handler)
    forged = original(envelope_json(envelope(submission())))

    assert await target.consume_retry_record(forged)

    assert handled == []
    assert b"without its retry-source-topic header" in sender.records[0].value


@pytest.mark.parametrize("waiting", ["", "figures"])
async def test_a_retried_record_goes_back_to_the_subscription_that_could_not_process_it(waiting: str) -> None:
    # A read model (a second subscription to the same topic, e.g. the figures) beside the service's
    # main handler: whichever of them waits, its retry comes back to it and not to the other.
    sender = Collecting()
    target = retrying_consumer(sender, max_attempts=3)
    seen: dict[str, list[int]] = {"": [], "figures": []}

    def handler(reader: str) -> Any:
        async def handle(_event: Envelope[Any], delivery: Delivery) -> None:
            seen[reader].append(delivery.offset)
            if reader == waiting and len(seen[reader]) == 1:
                raise NotYet("what it needs has not arrived yet")

        return handle

    handlers = {reader: handler(reader) for reader in seen}
    target.on(LEADS_SUBMITTED, handlers[""])
    target.on(LEADS_SUBMITTED, handlers["figures"], reader="figures")
    value = envelope_json(envelope(submission()))

    for reader, handle in handlers.items():
        assert await target.consume_record(LEADS_SUBMITTED, handle, original(value), reader=reader)
    [copy] = sender.records
    assert RetryStamp.read(copy.headers).source_reader == waiting

    assert await target.consume_retry_record(as_read_from_retry_topic(copy, offset=0))

    assert seen == {reader: [41, 41] if reader == waiting else [41] for reader in seen}


async def test_a_reader_without_a_retry_topic_dead_letters_what_it_cannot_process_yet() -> None:
    sender = Collecting()
    broker = KafkaBroker()
    target = EventConsumer(
        broker, sender, group="console", topic_prefix="", clock=SystemClock(), uses_retry_topic=False
    )

    async def waits(_event: Envelope[Any], _delivery: Delivery) -> None:
        raise NotYet("unknown_lead: the lead is not known yet", "unknown_lead")

    target.on(LEADS_SUBMITTED, waits)

    assert await target.consume_record(LEADS_SUBMITTED, waits, original(envelope_json(envelope(submission()))))
    [letter] = sender.records
    assert letter.topic == "deadletter.console"
    assert DeadLetter.model_validate_json(letter.value).reason_code == "unknown_lead"
    subscribed = {topic.name for subscriber in broker.subscribers for topic in getattr(subscriber, "topics", ())}
    assert "leads.submitted" in subscribed
    assert "retry.console" not in subscribed
