"""The red card: may a partner register a product line, given the qualifications it holds?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .status import QualificationStatus

# A refusal explains at most this many of the partner's certificates; the newest come first.
_EXPLAINED = 3


@dataclass(frozen=True)
class HeldQualification:
    name: str
    product_line: str
    status: str
    valid_from: date
    valid_to: date
    regions: tuple[str, ...] = ()
    certificate_number: str = ""
    status_reason: str = ""


@dataclass(frozen=True)
class GateDecision:
    qualified: bool
    reason_code: str
    reason: str
    required: tuple[str, ...]


def gate(
    product_line: str,
    required: str | None,
    held: list[HeldQualification],
    today: date,
    region: str | None = None,
    *,
    rule: str,
) -> GateDecision:
    """Qualified when the rule asks nothing, or an approved qualification for the line is valid today.

    ``held`` is ordered newest first; a refusal names the rule (``id@version``) and says what is wrong
    with each of the newest certificates.
    """
    if required is None:
        return GateDecision(True, "no_qualification_required", f"{product_line} needs no qualification", ())
    mine = [q for q in held if q.product_line == product_line]
    problems = [(q, _problem(q, today, region)) for q in mine]
    for q, problem in problems:
        if problem is None:
            return GateDecision(True, "qualified", f"holds {required} valid until {q.valid_to}", (required,))
    explained = "; ".join(
        f"certificate {q.certificate_number or q.name} {problem}" for q, problem in problems[:_EXPLAINED]
    )
    return GateDecision(
        False,
        "not_qualified",
        f"registering {product_line} requires a valid, approved '{required}' qualification (rule {rule}); "
        f"{explained or 'none is on file'}. Submit the certificate on qualifications.submitted "
        f"(what to submit: GET /qualifications/requirements/{product_line})",
        (required,),
    )


def _problem(q: HeldQualification, today: date, region: str | None) -> str | None:
    """What keeps this qualification from covering a registration today, or None if it covers it."""
    status = QualificationStatus(q.status)
    if status is QualificationStatus.PENDING:
        return "is still under review"
    if status is QualificationStatus.REJECTED:
        return f"was rejected ({_short(q.status_reason)})"
    if status is QualificationStatus.REVOKED:
        return f"was revoked by HQ ({_short(q.status_reason)})"
    if status is QualificationStatus.EXPIRED or q.valid_to < today:
        return f"lapsed after {q.valid_to.isoformat()}"
    if q.valid_from > today:
        return f"is valid only from {q.valid_from.isoformat()}"
    if q.regions and region is not None and not any(_overlaps(region, r) for r in q.regions):
        return f"covers only {', '.join(q.regions)}"
    return None


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _overlaps(region: str, scope: str) -> bool:
    return region.startswith(scope) or scope.startswith(region)
