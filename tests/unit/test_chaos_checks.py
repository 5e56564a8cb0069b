"""The chaos suite's own verdicts: a dead letter that is not injected poison, a lost or a doubled input is found."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from referee_shared.kafka.deadletter import DeadLetter
from tests.chaos.checks import Outcome, check_dead_letters
from tests.chaos.load import Ledger, Sent


def letter(topic: str, partition: int, offset: int) -> DeadLetter:
    return DeadLetter(
        consumer="registration",
        reason="not JSON",
        failed_at=datetime.now(UTC),
        source_topic=topic,
        partition=partition,
        offset=offset,
        key=None,
        headers={},
    )


def test_dead_letters_of_exactly_the_poison_pass() -> None:
    ledger = Ledger(poison=[("leads.submitted", 3, 17)], dead_letters=[letter("leads.submitted", 3, 17)])
    assert check_dead_letters(ledger) == []


def test_a_dead_letter_that_was_not_injected_is_a_problem() -> None:
    ledger = Ledger(
        poison=[("leads.submitted", 3, 17)],
        dead_letters=[letter("leads.submitted", 3, 17), letter("deals.closed", 0, 5)],
    )
    [problem] = check_dead_letters(ledger)
    assert "deals.closed[0]@5" in problem


def test_poison_not_dead_lettered_or_dead_lettered_twice_is_a_problem() -> None:
    twice = Ledger(poison=[("a", 0, 1)], dead_letters=[letter("a", 0, 1), letter("a", 0, 1)])
    missing = Ledger(poison=[("a", 0, 1)], dead_letters=[])
    assert check_dead_letters(twice) == ["poison ('a', 0, 1) was dead-lettered 2 times by registration"]
    assert check_dead_letters(missing) == ["poison ('a', 0, 1) was not dead-lettered"]


def test_lost_and_doubled_are_counted_per_input() -> None:
    sent = [Sent("registration", f"registration:{n}", "kill -9 dedup", 0.0) for n in range(4)]
    outcome = Outcome(effects={"registration:0": 1, "registration:1": 0, "registration:2": 2})
    assert outcome.lost(sent) == 2  # one with no effect, one never seen at all
    assert outcome.doubled(sent) == 1


def test_a_dispute_step_in_one_copy_per_audience_is_answered_once_and_a_repeated_copy_twice() -> None:
    ledger = Ledger()
    claimants, everyone_else, again = uuid4(), uuid4(), uuid4()
    ledger.answer("dispute:1", claimants, copy="dealer-a")
    ledger.answer("dispute:1", everyone_else, copy="dealer-b,referee")
    ledger.answer("dispute:1", everyone_else, copy="dealer-b,referee")  # the same event read again
    assert ledger.times_answered("dispute:1") == 1
    ledger.answer("dispute:1", again, copy="dealer-a")  # a second event for the claimant: a double
    assert ledger.times_answered("dispute:1") == 2
    assert ledger.times_answered("dispute:2") == 0
