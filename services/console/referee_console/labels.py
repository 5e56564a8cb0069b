"""Names people read for the codes the services use; translated through the message catalogue."""

from __future__ import annotations


def N_(message: str) -> str:
    """Marks a message for the catalogue without translating it here (translated when rendered)."""
    return message


PRODUCT_LINES = {
    "tiles": N_("Tiles"),
    "sanitary-ware": N_("Sanitary ware"),
    "coatings": N_("Coatings"),
    "cnc-machines": N_("CNC machines"),
    "compressors": N_("Compressors"),
    "orthopaedics": N_("Orthopaedic implants"),
    "cardiology": N_("Cardiology devices"),
    "respiratory": N_("Respiratory devices"),
}

STATUSES = {
    "submitted": N_("Submitted"),
    "checking": N_("Checking"),
    "accepted": N_("Accepted"),
    "rejected": N_("Rejected"),
    "held": N_("Held for review"),
    "contacted": N_("Contacted"),
    "qualified": N_("Qualified"),
    "proposal": N_("Proposal"),
    "negotiation": N_("Negotiation"),
    "won": N_("Won"),
    "lost": N_("Lost"),
    "withdrawn": N_("Withdrawn"),
    "expired": N_("Expired"),
    "transferred": N_("Transferred"),
    "open": N_("Open"),
    "closed": N_("Closed"),
    "ruled": N_("Ruled"),
    "refused": N_("Refused"),
    "first_level": N_("Regional review"),
    "hq_review": N_("HQ review"),
    "final": N_("Final"),
    "unique": N_("New customer"),
    "duplicate": N_("Duplicate"),
    "possible_duplicate": N_("Possible duplicate"),
}

ACTIVITIES = {
    "visit": N_("Visit"),
    "call": N_("Call"),
    "meeting": N_("Meeting"),
    "quote": N_("Quote"),
    "check_in": N_("On-site check-in"),
}

TASK_KINDS = {
    "lock_extension": N_("Extension request"),
    "duplicate_review": N_("Possible duplicate"),
    "qualification_review": N_("Qualification review"),
    "dispute_review": N_("Dispute"),
    "settlement_approval": N_("Statement approval"),
    "visit_clash": N_("Clashing visit"),
}

CHOICES = {
    "approve": N_("Approve"),
    "reject": N_("Reject"),
    "grant": N_("Grant"),
    "refuse": N_("Refuse"),
    "accept": N_("Accept"),
    "same": N_("Same customer"),
    "different": N_("Different customer"),
    "uphold": N_("Uphold"),
    "transfer": N_("Transfer"),
    "share": N_("Share"),
    "dismiss": N_("Dismiss"),
    "escalate": N_("Escalate"),
    "noted": N_("Noted"),
    "warn": N_("Warn the partners"),
}

PENDING = {"submitted", "checking"}


def label(table: dict[str, str], code: str | None) -> str:
    """The catalogue message for a code, or the code itself when the console has no name for it yet."""
    if code is None:
        return "—"
    return table.get(code, code)


BUCKETS = {
    "issued": N_("Issued"),
    "paid": N_("Paid"),
    "pending": N_("Pending"),
    "failed": N_("Failed"),
    "reversed": N_("Reversed"),
    "reversals": N_("Reversals"),
    "recovered": N_("Recovered"),
}

GROUPS = {"partner": N_("By partner"), "region": N_("By region"), "channel": N_("By channel")}

OUTCOMES = {
    "upheld": N_("upheld"),
    "transferred": N_("transferred"),
    "shared": N_("shared"),
    "dismissed": N_("dismissed"),
}

DISPUTE_STEPS = {
    "refused": N_("Refused"),
    "opened": N_("Opened"),
    "evidence_flagged": N_("Evidence flagged"),
    "statement_added": N_("Statement added"),
    "reminder": N_("Reminder sent"),
    "escalated": N_("Escalated to HQ"),
    "overdue": N_("Overdue"),
    "ruled": N_("Ruled"),
    "appealed": N_("Appealed"),
    "appeal_window_closed": N_("Ruling final"),
}

# Settlement's states of a deal and of a statement, and a statement's kind, for finance's deal page.
SETTLEMENT_STATES = {
    "draft": N_("Draft"),
    "awaiting_approval": N_("Awaiting approval"),
    "rejected": N_("Rejected"),
    "withdrawn": N_("Withdrawn"),
    "issued": N_("Issued"),
    "reversed": N_("Reversed"),
    "original": N_("Settlement statement"),
    "reversal": N_("Reversal"),
    "paid": N_("Paid"),
    "pending": N_("Pending"),
    "failed": N_("Failed"),
}

ROLES = {
    "partner": N_("Partner user"),
    "reviewer": N_("Reviewer"),
    "arbiter": N_("Arbiter"),
    "finance": N_("Finance"),
    "channel_manager": N_("Channel manager"),
    "admin": N_("Administrator"),
}
