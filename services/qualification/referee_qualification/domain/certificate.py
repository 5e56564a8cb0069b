"""What identifies a certificate, when it counts as valid, and what makes a submission unacceptable."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def certificate_key(
    partner_id: str, product_line: str, certificate_number: str, valid_from: date, valid_to: date
) -> str:
    """The same certificate (number and validity) submitted again by the same partner gets the same key."""
    number = "".join(unicodedata.normalize("NFKC", certificate_number).split()).upper()
    digest = hashlib.sha256(f"{number}|{valid_from.isoformat()}|{valid_to.isoformat()}".encode()).hexdigest()
    return f"{partner_id}:{product_line}:{digest[:24]}"


@dataclass(frozen=True)
class ValidityWindow:
    """The instants (UTC) at which a certificate starts, gets its expiry warning and lapses."""

    starts_at: datetime
    warns_at: datetime
    lapses_at: datetime


def validity_window(valid_from: date, valid_to: date, timezone: str, warning_days: int) -> ValidityWindow:
    """A certificate is valid through the whole of its last day where it was issued; it lapses at the midnight after."""
    zone = ZoneInfo(timezone)
    starts_at = datetime.combine(valid_from, time(0), zone).astimezone(UTC)
    lapses_at = datetime.combine(valid_to + timedelta(days=1), time(0), zone).astimezone(UTC)
    return ValidityWindow(starts_at, lapses_at - timedelta(days=warning_days), lapses_at)


def local_date(at: datetime, timezone: str) -> date:
    """The calendar day it is at ``at`` where certificates are dated."""
    return at.astimezone(ZoneInfo(timezone)).date()


class SubmissionRefused(Exception):
    """A submission no reviewer should see: unknown product line, nothing required, already expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def qualification_to_review(product_line: str, required: str | None, rule_ref: str, valid_to: date, today: date) -> str:
    """The qualification a submission is reviewed as; SubmissionRefused when no reviewer should look at it."""
    if required is None:
        raise SubmissionRefused(
            f"product line {product_line!r} needs no qualification under {rule_ref}; there is nothing to review"
        )
    if valid_to < today:
        raise SubmissionRefused(f"the certificate expired on {valid_to.isoformat()}; submit a current one")
    return required
