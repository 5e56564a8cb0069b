"""Money to the cent: one rounding rule, and parts that always sum exactly to the whole."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from referee_settlement.domain.money import CENT, apportion, round_to_cent

exact_shares = st.lists(
    st.decimals(min_value=0, max_value=Decimal("1e12"), places=7, allow_nan=False, allow_infinity=False),
    max_size=12,
)


def test_total_is_rounded_half_up_to_the_cent() -> None:
    assert round_to_cent(Decimal("0.005")) == Decimal("0.01")
    assert round_to_cent(Decimal("0.0049999")) == Decimal("0.00")
    assert round_to_cent(Decimal("2.675")) == Decimal("2.68")


def test_three_equal_thirds_of_a_hundred_give_the_odd_cent_to_the_first() -> None:
    third = Decimal(100) / 3
    total, parts = apportion([third, third, third])
    assert total == Decimal("100.00")
    assert parts == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]


def test_missing_cents_go_to_the_shares_that_lost_most_in_the_cut() -> None:
    total, parts = apportion([Decimal("1.004"), Decimal("1.009"), Decimal("1.002")])
    assert total == Decimal("3.02")
    assert parts == [Decimal("1.01"), Decimal("1.01"), Decimal("1.00")]


def test_a_negative_share_is_refused() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        apportion([Decimal("1"), Decimal("-0.01")])


@given(exact_shares)
def test_parts_sum_exactly_to_the_rounded_total(shares: list[Decimal]) -> None:
    total, parts = apportion(shares)
    assert sum(parts, Decimal(0)) == total
    assert total == round_to_cent(sum(shares, Decimal(0)))


@given(exact_shares)
def test_every_part_is_whole_cents_within_one_cent_of_its_share_and_never_negative(shares: list[Decimal]) -> None:
    _, parts = apportion(shares)
    for share, part in zip(shares, parts, strict=True):
        assert part == part.quantize(CENT)
        assert part >= 0
        assert abs(part - share) < CENT


@given(st.lists(st.integers(min_value=0, max_value=10**12), max_size=12))
def test_shares_already_in_whole_cents_are_never_moved(cents: list[int]) -> None:
    shares = [Decimal(c) / 100 for c in cents]
    _, parts = apportion(shares)
    assert parts == shares
