"""The one registry of Kafka topics: names, partition counts, keys and the payloads each carries."""

from __future__ import annotations

from dataclasses import dataclass, field

from .events.checks import DedupRequested, DedupVerdict, QualificationCheckRequested, QualificationVerdict
from .events.deals import DealClosed, DealReversed
from .events.disputes import DisputeOpened, DisputeRuling
from .events.envelope import Payload
from .events.leads import LeadActivity, LeadDecision, LeadSubmitted, LeadTransitioned, LockChanged
from .events.qualifications import QualificationSubmitted
from .events.settlements import SettlementPayment, SettlementStatement
from .events.tasks import TaskClosed, TaskOpened

# Enough partitions to run up to this many instances of a consumer, each owning a share of the keys.
SCALE_PARTITIONS = 12


@dataclass(frozen=True)
class Topic:
    name: str
    key: str
    payloads: tuple[type[Payload], ...]
    external: bool
    direction: str
    description: str
    partitions: int = SCALE_PARTITIONS
    config: dict[str, str] = field(default_factory=dict)

    def full_name(self, prefix: str = "") -> str:
        return f"{prefix}{self.name}"


# The broker stamps these records on append: a partner's clock never orders registrations.
_BROKER_TIME = {"message.timestamp.type": "LogAppendTime"}

LEADS_SUBMITTED = Topic(
    "leads.submitted",
    "lead_id",
    (LeadSubmitted,),
    True,
    "in",
    "a registration request from a partner portal",
    config=_BROKER_TIME,
)
LEADS_ACTIVITIES = Topic(
    "leads.activities",
    "lead_id",
    (LeadActivity,),
    True,
    "in",
    "a follow-up record (visit, call, meeting, quote, check-in)",
    config=_BROKER_TIME,
)
DEALS_CLOSED = Topic(
    "deals.closed",
    "deal_id",
    (DealClosed, DealReversed),
    True,
    "in",
    "a lead won or lost with amount and contributors; later a refund or cancellation",
)
QUALIFICATIONS_SUBMITTED = Topic(
    "qualifications.submitted",
    "partner_id",
    (QualificationSubmitted,),
    True,
    "in",
    "a partner's qualification certificate to review",
)
DISPUTES_OPENED = Topic(
    "disputes.opened",
    "dispute_id",
    (DisputeOpened,),
    True,
    "in",
    "a dispute over a customer or lead, from a partner or HQ",
    config=_BROKER_TIME,
)
LEADS_DECISIONS = Topic(
    "leads.decisions",
    "lead_id",
    (LeadDecision,),
    True,
    "out",
    "accepted (with lock), rejected (with reason and rule), or held for review",
)
LEADS_LOCKS = Topic(
    "leads.locks",
    "customer_key",
    (LockChanged,),
    True,
    "out",
    "lock granted, reminded, extended, expired, released, transferred or completed",
)
DISPUTES_RULINGS = Topic(
    "disputes.rulings",
    "dispute_id",
    (DisputeRuling,),
    True,
    "out",
    "a dispute's outcome and reason",
)
SETTLEMENTS_STATEMENTS = Topic(
    "settlements.statements",
    "deal_id",
    (SettlementStatement,),
    True,
    "out",
    "the split lines of a closed deal, and reversals",
)
SETTLEMENTS_PAYMENTS = Topic(
    "settlements.payments",
    "statement_id",
    (SettlementPayment,),
    True,
    "in",
    "a statement line paid or failed, from finance",
)

QUALIFICATION_CHECKS = Topic(
    "qualification.checks",
    "partner_id",
    (QualificationCheckRequested,),
    False,
    "internal",
    "registration asks whether a partner may register a product line",
)
QUALIFICATION_VERDICTS = Topic(
    "qualification.verdicts",
    "lead_id",
    (QualificationVerdict,),
    False,
    "internal",
    "qualification's answer to a check",
)
DEDUP_REQUESTS = Topic(
    "dedup.requests",
    "region (province)",
    (DedupRequested,),
    False,
    "internal",
    "a claim on a customer; one partition per region key gives the claims one total order",
)
DEDUP_VERDICTS = Topic(
    "dedup.verdicts",
    "lead_id",
    (DedupVerdict,),
    False,
    "internal",
    "unique, duplicate of X, possible duplicate or refused, with the explanation",
)
LEADS_TRANSITIONS = Topic(
    "leads.transitions",
    "lead_id",
    (LeadTransitioned,),
    False,
    "internal",
    "every move of a lead through its lifecycle, in order per lead; the funnel is counted from it",
)
TASKS_EVENTS = Topic(
    "tasks.events",
    "task_id",
    (TaskOpened, TaskClosed),
    False,
    "internal",
    "reviewer tasks opened and closed by any workflow, gathered into one inbox",
)

ALL_TOPICS: tuple[Topic, ...] = (
    LEADS_SUBMITTED,
    LEADS_ACTIVITIES,
    DEALS_CLOSED,
    QUALIFICATIONS_SUBMITTED,
    DISPUTES_OPENED,
    LEADS_DECISIONS,
    LEADS_LOCKS,
    DISPUTES_RULINGS,
    SETTLEMENTS_STATEMENTS,
    SETTLEMENTS_PAYMENTS,
    QUALIFICATION_CHECKS,
    QUALIFICATION_VERDICTS,
    DEDUP_REQUESTS,
    DEDUP_VERDICTS,
    TASKS_EVENTS,
    LEADS_TRANSITIONS,
)

# Every service consumes under one consumer group named after it, with a dead-letter topic of its own.
CONSUMER_GROUPS: tuple[str, ...] = ("registration", "dedup", "qualification", "arbitration", "settlement")


def dead_letter_topic(group: str) -> Topic:
    return Topic(
        f"deadletter.{group}",
        "original key",
        (),
        False,
        "internal",
        f"messages the {group} service could not process, with the reason",
        partitions=3,
    )


def all_topics_with_dead_letters() -> tuple[Topic, ...]:
    return ALL_TOPICS + tuple(dead_letter_topic(group) for group in CONSUMER_GROUPS)


def by_name(name: str) -> Topic:
    for topic in all_topics_with_dead_letters():
        if topic.name == name:
            return topic
    raise KeyError(f"no topic named {name!r}")
