"""The red card: may a partner register a product line, given the qualifications it holds?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class HeldQualification:
    name: str
    product_line: str
    status: str
    valid_from: date
    valid_to: date
    regions: tuple[str, ...] = ()


@dataclass(frozen=True)
class GateDecision:
    qualified: bool
    reason_code: str
    reason: str
    required: tuple[str, ...]


def gate(
    product_line: str, required: str | None, held: list[HeldQualification], today: date, region: str | None = None
) -> GateDecision:
    """Qualified when the rule asks nothing, or an approved qualification for the line is valid today."""
    if required is None:
        return GateDecision(True, "no_qualification_required", f"{product_line} needs no qualification", ())
    for q in held:
        in_scope = not q.regions or region is None or any(_overlaps(region, r) for r in q.regions)
        if (
            q.product_line == product_line
            and q.status == "approved"
            and q.valid_from <= today <= q.valid_to
            and in_scope
        ):
            return GateDecision(True, "qualified", f"holds {required} valid until {q.valid_to}", (required,))
    return GateDecision(
        False,
        "not_qualified",
        f"registering {product_line} requires a valid, approved '{required}' qualification; "
        f"submit one on qualifications.submitted",
        (required,),
    )


def _overlaps(region: str, scope: str) -> bool:
    return region.startswith(scope) or scope.startswith(region)
