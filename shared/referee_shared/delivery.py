"""When each topic's events are published, in what order they arrive, and which correlation id they carry:
what an integrator may rely on, printed in the generated contract (docs/contract.md).

General rules, true of every topic:

- Order holds per message key only (the key column of the contract); across keys there is none.
- Delivery is at least once: a consumer can see an event again (same `event_id`) after a restart,
  and must ignore the repeat. Referee never publishes an event whose transaction did not commit.
- A message Referee cannot process yet (an activity, deal or ruling naming a lead not recorded yet)
  is retried from the consumer's `retry.<service>` topic without holding back the messages behind it:
  it may take effect after later messages of the same key, at the broker time of its first arrival,
  or be dead-lettered with the reason after the retry bound (docs/operations.md).
- An outbound event carries the correlation id of the message that started its flow: the
  submission for a lead (decisions, locks, transitions), the `deal.closed` for a statement, the
  `dispute.opened` for a dispute; timers (expiry, reminders) reuse it too. Send your own id in
  `correlation_id` (or the `X-Correlation-ID` header over HTTP) to find your events again.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Delivery:
    when: str
    order: str


DELIVERY: dict[str, Delivery] = {
    "leads.submitted": Delivery(
        "written by partner portals; the broker stamps each record (LogAppendTime): that stamp is the registration's "
        "authoritative time",
        "per lead; which of two claims on one customer wins is the order in which they reach `dedup.requests`, so "
        "claims a few milliseconds apart (less than one registration's processing time) can be decided either way; "
        "both keep their broker time in the evidence trail",
    ),
    "leads.activities": Delivery(
        "written by partner portals; stamped by the broker (LogAppendTime), which is the time follow-up rules use",
        "per lead",
    ),
    "deals.closed": Delivery(
        "written by portals or the ERP when a deal is won, lost, refunded or cancelled", "per deal"
    ),
    "qualifications.submitted": Delivery("written by partner portals", "per partner"),
    "disputes.opened": Delivery("written by portals or HQ", "per dispute"),
    "leads.decisions": Delivery(
        "once per submission after dedup and qualification answered (typically well under a second); a lead held "
        "for review gets a second decision (accepted or rejected) when the reviewer decides",
        "per lead: `held` always precedes the final decision",
    ),
    "leads.locks": Delivery(
        "when a lock is granted (right after its accepted decision), reminded before expiry, extended, expired, "
        "released, transferred by a final ruling or completed by a won deal",
        "per customer: a customer's lock changes arrive in the order they happened",
    ),
    "qualifications.decisions": Delivery(
        "when a qualification is received, escalated, approved, rejected, warned before expiry, expired or revoked",
        "per partner",
    ),
    "disputes.rulings": Delivery(
        "only when a ruling takes effect: a first-level ruling after its appeal window closed unappealed, an HQ "
        "ruling when it is made; never a ruling that could still change (progress is on `disputes.events`)",
        "per dispute; at most one ruling per dispute",
    ),
    "disputes.events": Delivery(
        "at every step of a dispute: refused, opened, statement, reminder, escalation, ruling, appeal, window closed; "
        "for a partner's dispute two copies of each step (`audience`): the claimant's says 'respondent' instead of "
        "who holds the customer",
        "per dispute",
    ),
    "settlements.statements": Delivery(
        "a statement when finance's approval task was approved (once per closed deal, however often the deal "
        "arrives); a reversal when the deal is refunded or cancelled; re-issue requests and flags on payment failures",
        "per deal: a reversal always follows the statement it nets",
    ),
    "settlements.payments": Delivery(
        "written by the finance system when it paid or failed a statement line", "per statement"
    ),
    "qualification.checks": Delivery("internal: registration asks, for every submission", "per partner"),
    "qualification.verdicts": Delivery("internal: qualification answers each check", "per lead"),
    "dedup.requests": Delivery(
        "internal: registration forwards a qualified claim", "per province: one total order of claims per region"
    ),
    "dedup.verdicts": Delivery("internal: dedup's verdict on each claim, and after a reviewer's decision", "per lead"),
    "leads.transitions": Delivery("at every lifecycle move of a lead", "per lead, in lifecycle order"),
    "partners.registry": Delivery(
        "when an admin creates or changes a partner's record (channel, regions, status, producers); compacted, so "
        "a new reader gets every partner's latest record from the start",
        "per partner",
    ),
    "auth.revocations": Delivery(
        "internal: when an admin revokes a token; every instance reads the whole topic (compacted) from the start",
        "one partition: revocations in the order they were made",
    ),
    "tasks.events": Delivery("when a reviewer task opens, is reminded, escalates or closes", "per task"),
    "board.plans": Delivery(
        "written by partner portals (or posted to dedup's `/board` API); the broker stamps each record "
        "(LogAppendTime), which is the time the board shows",
        "per account",
    ),
    "board.visits": Delivery(
        "written by partner portals when a visit is planned and again when it is done (same `visit_id`); stamped by "
        "the broker (LogAppendTime)",
        "per account: a visit's `planned` precedes its `done` when both are sent in that order",
    ),
    "board.changes": Delivery(
        "after each accepted plan or visit; a `visit_clash` when a planned visit collides with another partner's "
        "within the rule's window, a `clash_visited` when such a visit is reported done",
        "per account",
    ),
    "rules.versions": Delivery(
        "internal: when a channel manager uploads a rule set version; every instance reads the whole topic "
        "(compacted) from the start",
        "one partition: versions in the order they were uploaded",
    ),
    "evidence.checkpoints": Delivery(
        "in the same transaction as every change of an evidence chain (its new head); compacted, so the latest "
        "head of every chain stays",
        "per chain, in chain order",
    ),
}
