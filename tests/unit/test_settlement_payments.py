"""A line's payment state: paid once, failed payments retried per rule and then flagged for finance."""

from __future__ import annotations

from decimal import Decimal

import pytest

from referee_settlement.domain.payments import Action, LinePayment, LineStatus, PaymentRefused, failed, paid

DUE = Decimal("14400.00")


def test_a_failed_payment_is_retried_until_the_retries_run_out_then_flagged() -> None:
    line = LinePayment(LineStatus.PENDING)
    actions = []
    for _ in range(4):
        step = failed(line, max_retries=3)
        actions.append((step.action, step.line.status, step.next_attempt))
        line = step.line
    assert actions == [
        (Action.RETRY, LineStatus.PENDING, 2),
        (Action.RETRY, LineStatus.PENDING, 3),
        (Action.RETRY, LineStatus.PENDING, 4),
        (Action.FLAG, LineStatus.FAILED, 5),
    ]


def test_with_no_retries_the_first_failure_flags_the_line() -> None:
    step = failed(LinePayment(LineStatus.PENDING), max_retries=0)
    assert (step.action, step.line.status) == (Action.FLAG, LineStatus.FAILED)


def test_a_retried_line_paid_later_is_paid_and_counts_its_attempts() -> None:
    retried = failed(LinePayment(LineStatus.PENDING), max_retries=3).line
    step = paid(retried, due=DUE, reported=DUE)
    assert step.line.status is LineStatus.PAID
    assert step.line.attempts == 2


def test_a_flagged_line_that_finance_pays_by_hand_is_paid() -> None:
    assert paid(LinePayment(LineStatus.FAILED, 4), due=DUE, reported=DUE).line.status is LineStatus.PAID


def test_a_payment_of_another_amount_is_refused() -> None:
    with pytest.raises(PaymentRefused, match=r"reported paid 14000\.00 but the line is 14400\.00"):
        paid(LinePayment(LineStatus.PENDING), due=DUE, reported=Decimal("14000.00"))


def test_a_paid_line_accepts_no_second_payment_nor_a_failure() -> None:
    done = LinePayment(LineStatus.PAID)
    with pytest.raises(PaymentRefused, match="already paid"):
        paid(done, due=DUE, reported=DUE)
    with pytest.raises(PaymentRefused, match="already paid"):
        failed(done, max_retries=3)
