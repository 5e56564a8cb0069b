"""Who may open a dispute about what, and which registration a dispute contests.

A partner may dispute only a customer it registered (even if the registration was refused) or
followed up; HQ may open any dispute. Every refusal says why, in words and as a code.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from referee_shared.events.disputes import DisputeOpened, OpenedBy

from .trail import EvidenceBundle, TrailLead

PARTY_RECORD_KINDS = frozenset({"registered", "activity"})
"""Trail records that show a partner dealt with the customer itself: its registrations and follow-ups."""
HOLDING_STATUSES = frozenset({"accepted", "contacted", "qualified", "proposal", "negotiation"})


@dataclass(frozen=True)
class Refusal:
    code: str
    reason: str


def subject_of(opened: DisputeOpened) -> str:
    if opened.lead_id is not None:
        return f"lead {opened.lead_id}"
    return f"customer {opened.customer_key}"


def refusal_before_evidence(opened: DisputeOpened) -> Refusal | None:
    """What is wrong with the claim itself, before any evidence is read."""
    if opened.lead_id is None and not opened.customer_key:
        return Refusal("no_subject", "a dispute must name the contested lead or customer")
    if opened.claimant_id in opened.respondent_ids:
        return Refusal("claimant_is_respondent", f"{opened.claimant_id} cannot dispute against itself")
    if len(set(opened.respondent_ids)) != len(opened.respondent_ids):
        return Refusal("repeated_respondent", "each respondent may be named once")
    return None


def involvement(bundle: EvidenceBundle, party_id: str) -> list[str]:
    """What the trail shows a party did with this customer: its registrations and follow-ups."""
    done = [f"registered lead {lead.lead_id} ({lead.status})" for lead in bundle.leads if lead.partner_id == party_id]
    done += [
        f"{record.kind} #{record.seq}"
        for record in bundle.records
        if record.actor == party_id and record.kind in PARTY_RECORD_KINDS
    ]
    return done


def refusal_on_evidence(
    opened: DisputeOpened, bundle: EvidenceBundle | None, open_dispute: UUID | None
) -> Refusal | None:
    """Whether the evidence lets this claimant open this dispute now."""
    if bundle is None:
        return Refusal(
            "unknown_subject", f"nothing is recorded about {subject_of(opened)}: there is nothing to dispute"
        )
    if opened.opened_by is OpenedBy.PARTNER and not involvement(bundle, opened.claimant_id):
        return Refusal(
            "not_involved",
            f"{opened.claimant_id} has neither registered nor followed up this customer; "
            "a partner may only dispute a customer it registered or followed up",
        )
    if open_dispute is not None:
        return Refusal(
            "already_open", f"{opened.claimant_id} already has dispute {open_dispute} open about this customer"
        )
    return None


def contested_lead(opened: DisputeOpened, bundle: EvidenceBundle) -> TrailLead | None:
    """The registration the claim is against: the one named if it is another party's, else the one holding
    the customer's lock (a partner refused as a duplicate names its own lead: it is never told whose lock won)."""
    named = bundle.lead(opened.lead_id)
    if named is not None and named.partner_id != opened.claimant_id:
        return named
    active = [lock for lock in bundle.locks if lock.status == "active"]
    if active:
        return bundle.lead(active[-1].lead_id)
    holding = [
        lead for lead in bundle.leads if lead.status in HOLDING_STATUSES and lead.partner_id != opened.claimant_id
    ]
    return holding[-1] if holding else None
