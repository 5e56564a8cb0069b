"""Messages that cannot be processed yet: retried later from the service's retry topic, never in place.

An activity naming a lead registration has not recorded yet, a closed deal or a ruling for such a lead:
the message is fine, something it needs has not arrived. Waiting for it in place would hold every message
behind it on its partition, so the consumer copies it to ``retry.<service>`` (the original key, headers
and value bytes, so signatures still verify and the processed-events guard still knows its event id) with
a stamp saying where it came from, when the broker first received it and when to try again; then the
original offset is committed. The service reads its retry topic like any other and hands the record to
the handler of the topic it came from, with the broker time of its first arrival. After the policy's
last attempt it is dead-lettered with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# Header names of the stamp; the original headers travel beside them unchanged.
SOURCE_TOPIC = "retry-source-topic"
SOURCE_READER = "retry-source-reader"
SOURCE_PARTITION = "retry-source-partition"
SOURCE_OFFSET = "retry-source-offset"
FIRST_BROKER_TIME = "retry-first-broker-time-ms"
FIRST_BROKER_TIME_IS_APPEND = "retry-first-broker-time-is-append-time"
FIRST_FAILED_AT = "retry-first-failed-at-ms"
ATTEMPTS = "retry-attempts"
NOT_BEFORE = "retry-not-before-ms"
REASON = "retry-reason"


class NotYet(Exception):
    """Raised by a handler for a message that needs something not arrived yet (say, a lead not recorded):
    it is tried again later from the retry topic, without holding back the messages behind it."""

    def __init__(self, reason: str, code: str = "not_yet") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


@dataclass(frozen=True)
class RetryPolicy:
    """How long a message may wait for what it needs: ``max_attempts`` in all (the first delivery counts),
    ``delay_seconds`` apart."""

    delay_seconds: float
    max_attempts: int

    @classmethod
    def default(cls) -> RetryPolicy:
        """The policy of the shared settings' defaults (``retry_delay_seconds``, ``retry_max_attempts``)."""
        from ..settings import ServiceSettings

        fields = ServiceSettings.model_fields
        return cls(fields["retry_delay_seconds"].default, fields["retry_max_attempts"].default)

    def next_attempt_at(self, attempts_made: int, now: datetime) -> datetime | None:
        """When to try again after ``attempts_made`` attempts, or None when the message must be dead-lettered."""
        if attempts_made >= self.max_attempts:
            return None
        return now + timedelta(seconds=self.delay_seconds)

    def give_up_reason(self, reason: str, stamp: RetryStamp, now: datetime) -> str:
        """The dead letter's reason: the handler's own words first (operators group by them), then the bound."""
        waited = (now - stamp.first_failed_at).total_seconds()
        return f"{reason} (still not processable after {stamp.attempts} attempts over {waited:.0f} s)"


@dataclass(frozen=True)
class RetryStamp:
    """Where a retried message came from and how far its retries got."""

    source_topic: str
    source_partition: int
    source_offset: int
    first_broker_time: datetime | None
    first_broker_time_is_append_time: bool
    first_failed_at: datetime
    attempts: int
    not_before: datetime
    reason: str
    # Which of the service's subscriptions to the source topic failed it ("" for the main one).
    source_reader: str = ""

    def headers(self) -> dict[str, str]:
        stamp = {
            SOURCE_TOPIC: self.source_topic,
            SOURCE_PARTITION: str(self.source_partition),
            SOURCE_OFFSET: str(self.source_offset),
            FIRST_BROKER_TIME_IS_APPEND: "1" if self.first_broker_time_is_append_time else "0",
            FIRST_FAILED_AT: str(_ms(self.first_failed_at)),
            ATTEMPTS: str(self.attempts),
            NOT_BEFORE: str(_ms(self.not_before)),
            REASON: self.reason[:500],
        }
        if self.first_broker_time is not None:
            stamp[FIRST_BROKER_TIME] = str(_ms(self.first_broker_time))
        if self.source_reader:
            stamp[SOURCE_READER] = self.source_reader
        return stamp

    @classmethod
    def read(cls, headers: dict[str, str]) -> RetryStamp:
        """The stamp of a retry record; ValueError (with what is wrong) when it has none or a broken one."""
        try:
            first_time = headers.get(FIRST_BROKER_TIME)
            return cls(
                source_topic=headers[SOURCE_TOPIC],
                source_partition=int(headers[SOURCE_PARTITION]),
                source_offset=int(headers[SOURCE_OFFSET]),
                first_broker_time=_from_ms(first_time) if first_time is not None else None,
                first_broker_time_is_append_time=headers.get(FIRST_BROKER_TIME_IS_APPEND) == "1",
                first_failed_at=_from_ms(headers[FIRST_FAILED_AT]),
                attempts=int(headers[ATTEMPTS]),
                not_before=_from_ms(headers[NOT_BEFORE]),
                reason=headers.get(REASON, ""),
                source_reader=headers.get(SOURCE_READER, ""),
            )
        except KeyError as exc:
            raise ValueError(f"retry record without its {exc.args[0]} header") from exc
        except (ValueError, OverflowError, OSError) as exc:
            raise ValueError(f"retry record with a broken stamp: {exc}") from exc


def without_stamp(headers: dict[str, str]) -> dict[str, str]:
    """The original headers of a record, whatever retry stamp it carries."""
    return {name: value for name, value in headers.items() if not name.startswith("retry-")}


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _from_ms(text: str) -> datetime:
    return datetime.fromtimestamp(int(text) / 1000, UTC)
