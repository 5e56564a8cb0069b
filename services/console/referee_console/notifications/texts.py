"""The sentence of each kind of notification, in the reader's language, with its values formatted.

Codes are translated here through the catalogue (task kinds, dispute outcomes, reason codes) and times
and amounts formatted for the reader, so a notification stored once reads right in Chinese and English.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from zoneinfo import ZoneInfo

from .. import formatting, labels
from ..labels import N_

MESSAGES: dict[str, str] = {
    "lead_accepted": N_("Registration accepted; protected until %(until)s"),
    "lead_rejected": N_("Registration rejected: %(reason)s"),
    "lead_held": N_("Registration held for a reviewer's decision"),
    "lock_reminder": N_("Protection ends %(until)s unless a follow-up is logged"),
    "lock_extended": N_("Protection extended until %(until)s"),
    "lock_expired": N_("Protection expired; the customer is open to others again"),
    "lock_released": N_("Protection released"),
    "lock_transferred_in": N_("A customer was transferred to you by a ruling; protected until %(until)s"),
    "lock_transferred_out": N_("A ruling transferred one of your protected customers"),
    "task_opened": N_("New task: %(task_kind)s, due %(due)s"),
    "task_due": N_("Task due soon: %(task_kind)s, due %(due)s"),
    "task_overdue": N_("Task overdue: %(task_kind)s, was due %(due)s"),
    "dispute_refused": N_("A dispute was refused"),
    "dispute_opened": N_("A dispute was opened"),
    "dispute_statement": N_("A statement was added to a dispute"),
    "dispute_reminder": N_("A dispute awaits your statement, due %(due)s"),
    "dispute_escalated": N_("A dispute went to HQ"),
    "dispute_ruled": N_("A dispute was ruled: %(outcome)s"),
    "dispute_appealed": N_("A ruling was appealed"),
    "dispute_final": N_("A ruling is final: %(outcome)s"),
    "statement_issued": N_("Statement issued: your share %(amount)s"),
    "statement_reversed": N_("Statement reversed: %(amount)s"),
    "payment_paid": N_("Payment received: %(amount)s"),
    "payment_failed": N_("Payment failed: %(amount)s (%(reason)s)"),
    "payment_flagged": N_("Payment needs attention: %(amount)s to %(party)s after %(attempts)s attempts"),
}

REASONS = {
    "duplicate": N_("the customer is already protected"),
    "not_qualified": N_("not qualified for this product line"),
    "out_of_region": N_("outside your regions"),
    "transferred_by_ruling": N_("transferred by a ruling"),
}

_CODES: dict[str, Mapping[str, str]] = {
    "task_kind": labels.TASK_KINDS,
    "outcome": labels.OUTCOMES,
    "reason": REASONS,
}


def sentence(
    kind: str, params: Mapping[str, str], translate: Callable[[str], str], zone: ZoneInfo, locale: str = "zh_CN"
) -> str:
    """The notification as one sentence for its reader."""
    values: dict[str, str] = {}
    for name, value in params.items():
        if name in ("until", "due"):
            values[name] = formatting.local_time(value, zone) if value else "—"
        elif name == "amount":
            values[name] = formatting.money(value, locale=locale)
        elif name in _CODES:
            values[name] = translate(_CODES[name].get(value, value)) if value else "—"
        else:
            values[name] = value
    template = translate(MESSAGES.get(kind, kind))
    try:
        return template % values
    except (KeyError, ValueError, TypeError):  # a sentence and its values out of step must not break a page
        return template


DELIVERY_STATES = {"pending": N_("Waiting to retry"), "sent": N_("Delivered"), "failed": N_("Gave up")}


def delivery_label(state: str) -> str:
    return DELIVERY_STATES.get(state, state)
