"""Money to the cent: one rounding rule, and apportioning a total so the parts sum exactly to it.

The rule: a statement's total is rounded once, half up to the cent (四舍五入, what finance expects);
its lines are then apportioned by largest remainder: every exact share is cut down to the cent and
the cents still missing go, one each, to the shares that lost the most in the cut (ties: the earlier
line). So lines always sum to the total, no line moves by more than one cent from its exact share,
and a share that was already a whole number of cents is never touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal, localcontext

CENT = Decimal("0.01")

# Wide enough that products of an 18-digit amount, a 4-place percent and a 6-place ratio stay exact.
EXACT = Context(prec=80)


def round_to_cent(amount: Decimal) -> Decimal:
    """Half up to the cent: the one rounding rule for money in settlement."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def apportion(exact_shares: Sequence[Decimal]) -> tuple[Decimal, list[Decimal]]:
    """The rounded total of non-negative exact shares, and each share in cents summing exactly to it."""
    if any(share < 0 for share in exact_shares):
        raise ValueError("shares to apportion must not be negative")
    with localcontext(EXACT):
        total = round_to_cent(sum(exact_shares, Decimal(0)))
        floors = [share.quantize(CENT, rounding=ROUND_FLOOR) for share in exact_shares]
        missing_cents = int((total - sum(floors, Decimal(0))) / CENT)
        by_loss = sorted(range(len(exact_shares)), key=lambda i: (-(exact_shares[i] - floors[i]), i))
        for index in by_loss[:missing_cents]:
            floors[index] += CENT
    return total, floors


def multiply(*factors: Decimal) -> Decimal:
    """An exact product of Decimals (no rounding at the default 28 digits)."""
    with localcontext(EXACT):
        product = Decimal(1)
        for factor in factors:
            product *= factor
        return product


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    """``percent`` % of ``amount``, exactly."""
    with localcontext(EXACT):
        return amount * percent / 100
