"""The one registry of Kafka topics: names, partition counts, keys and the payloads each carries.

A topic is typed by its payload (``Topic[LeadSubmitted]``, or a union where a topic carries several
kinds), so mypy checks both sides against this registry: a handler subscribed to a topic receives
``Envelope`` of exactly that payload, and a producer cannot emit another payload on it.

Long because it is the whole registry: the contract is read here in one place, topic after topic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from .events.board import BoardChanged, ProcurementPlanReported, VisitReported
from .events.checks import DedupRequested, DedupVerdict, QualificationCheckRequested, QualificationVerdict
from .events.deals import DealClosed, DealReversed
from .events.disputes import DisputeOpened, DisputeProgressed, DisputeRuling
from .events.envelope import Payload
from .events.evidence import EvidenceCheckpoint
from .events.leads import LeadActivity, LeadDecision, LeadSubmitted, LeadTransitioned, LockChanged
from .events.partners import PartnerChanged
from .events.qualifications import QualificationChanged, QualificationSubmitted
from .events.rules import RuleVersionPublished
from .events.settlements import PaymentFlagged, PaymentRetryRequested, SettlementPayment, SettlementStatement
from .events.tasks import TaskClosed, TaskOpened, TaskReminded
from .events.tokens import TokenRevoked
from .services import SERVICE_NAMES

# Enough partitions to run up to this many instances of a consumer, each owning a share of the keys.
SCALE_PARTITIONS = 12


P = TypeVar("P", bound=Payload)


@dataclass(frozen=True)
class Topic(Generic[P]):
    name: str
    key: str
    payloads: tuple[type[P], ...]
    external: bool
    direction: str
    description: str
    partitions: int = SCALE_PARTITIONS
    config: dict[str, str] = field(default_factory=dict)
    producers: tuple[str, ...] = ()
    consumers: tuple[str, ...] = ()

    def full_name(self, prefix: str = "") -> str:
        return f"{prefix}{self.name}"


# The broker stamps these records on append: a partner's clock never orders registrations.
_BROKER_TIME = {"message.timestamp.type": "LogAppendTime"}
PORTALS, ERP, FINANCE = "partner portals", "ERP", "finance systems"

LEADS_SUBMITTED = Topic(
    "leads.submitted",
    key="lead_id",
    payloads=(LeadSubmitted,),
    external=True,
    direction="in",
    description="a registration request from a partner portal",
    config=_BROKER_TIME,
    producers=(PORTALS, "registration"),
    consumers=("registration", "arbitration"),
)
LEADS_ACTIVITIES = Topic(
    "leads.activities",
    key="lead_id",
    payloads=(LeadActivity,),
    external=True,
    direction="in",
    description="a follow-up record (visit, call, meeting, quote, check-in)",
    config=_BROKER_TIME,
    producers=(PORTALS, "registration"),
    consumers=("registration",),
)
DEALS_CLOSED: Topic[DealClosed | DealReversed] = Topic(
    "deals.closed",
    key="deal_id",
    payloads=(DealClosed, DealReversed),
    external=True,
    direction="in",
    description="a lead won or lost with amount and contributors; later a refund or cancellation",
    producers=(ERP,),  # the system of record for deals; a portal's word on a deal would pay whoever it names
    consumers=("settlement", "registration"),
)
QUALIFICATIONS_SUBMITTED = Topic(
    "qualifications.submitted",
    key="partner_id",
    payloads=(QualificationSubmitted,),
    external=True,
    direction="in",
    description="a partner's qualification certificate to review",
    producers=(PORTALS, "qualification"),
    consumers=("qualification",),
)
DISPUTES_OPENED = Topic(
    "disputes.opened",
    key="dispute_id",
    payloads=(DisputeOpened,),
    external=True,
    direction="in",
    description="a dispute over a customer or lead, from a partner or HQ",
    config=_BROKER_TIME,
    producers=(PORTALS, "HQ"),
    consumers=("arbitration", "registration"),
)
LEADS_DECISIONS = Topic(
    "leads.decisions",
    key="lead_id",
    payloads=(LeadDecision,),
    external=True,
    direction="out",
    description="accepted (with lock), rejected (with reason and rule), or held for review",
    producers=("registration",),
    consumers=(PORTALS, "arbitration", "registration"),
)
LEADS_LOCKS = Topic(
    "leads.locks",
    key="customer_key",
    payloads=(LockChanged,),
    external=True,
    direction="out",
    description="lock granted, reminded, extended, expired, released, transferred or completed",
    producers=("registration",),
    consumers=(PORTALS, "dedup", "settlement"),
)
QUALIFICATIONS_DECISIONS = Topic(
    "qualifications.decisions",
    key="partner_id",
    payloads=(QualificationChanged,),
    external=True,
    direction="out",
    description="a qualification received, escalated, approved, rejected, expiring, expired or revoked",
    producers=("qualification",),
    consumers=(PORTALS,),
)
DISPUTES_RULINGS = Topic(
    "disputes.rulings",
    key="dispute_id",
    payloads=(DisputeRuling,),
    external=True,
    direction="out",
    description="a dispute's outcome and reason",
    producers=("arbitration",),
    consumers=(PORTALS, "settlement", "registration"),
)
DISPUTES_EVENTS = Topic(
    "disputes.events",
    key="dispute_id",
    payloads=(DisputeProgressed,),
    external=True,
    direction="out",
    description="every step of a dispute for its parties: refused, opened, statements, reminders, escalations, rulings",
    producers=("arbitration",),
    consumers=(PORTALS, "HQ", "registration", "settlement"),
)
SETTLEMENTS_STATEMENTS: Topic[SettlementStatement | PaymentRetryRequested | PaymentFlagged] = Topic(
    "settlements.statements",
    key="deal_id",
    payloads=(SettlementStatement, PaymentRetryRequested, PaymentFlagged),
    external=True,
    direction="out",
    description="the split lines of a closed deal, and reversals; payment re-issue requests and flagged payments",
    producers=("settlement",),
    consumers=(FINANCE,),
)
SETTLEMENTS_PAYMENTS = Topic(
    "settlements.payments",
    key="statement_id",
    payloads=(SettlementPayment,),
    external=True,
    direction="in",
    description="a statement line paid or failed, from finance",
    producers=(FINANCE,),
    consumers=("settlement",),
)

QUALIFICATION_CHECKS = Topic(
    "qualification.checks",
    key="partner_id",
    payloads=(QualificationCheckRequested,),
    external=False,
    direction="internal",
    description="registration asks whether a partner may register a product line",
    producers=("registration",),
    consumers=("qualification",),
)
QUALIFICATION_VERDICTS = Topic(
    "qualification.verdicts",
    key="lead_id",
    payloads=(QualificationVerdict,),
    external=False,
    direction="internal",
    description="qualification's answer to a check",
    producers=("qualification",),
    consumers=("registration",),
)
DEDUP_REQUESTS = Topic(
    "dedup.requests",
    key="region (province)",
    payloads=(DedupRequested,),
    external=False,
    direction="internal",
    description="a claim on a customer; one partition per region key gives the claims one total order",
    producers=("registration",),
    consumers=("dedup",),
)
DEDUP_VERDICTS = Topic(
    "dedup.verdicts",
    key="lead_id",
    payloads=(DedupVerdict,),
    external=False,
    direction="internal",
    description="unique, duplicate of X, possible duplicate or refused, with the explanation",
    producers=("dedup",),
    consumers=("registration",),
)
LEADS_TRANSITIONS = Topic(
    "leads.transitions",
    key="lead_id",
    payloads=(LeadTransitioned,),
    external=False,
    direction="internal",
    description="every move of a lead through its lifecycle, in order per lead; the funnel is counted from it",
    producers=("registration",),
    consumers=("registration",),
)
TASKS_EVENTS: Topic[TaskOpened | TaskClosed | TaskReminded] = Topic(
    "tasks.events",
    key="task_id",
    payloads=(TaskOpened, TaskClosed, TaskReminded),
    external=False,
    direction="internal",
    description="reviewer tasks opened and closed by any workflow, gathered into one inbox",
    producers=("registration", "dedup", "qualification", "arbitration", "settlement"),
    consumers=("registration",),
)
AUTH_REVOCATIONS = Topic(
    "auth.revocations",
    key="token_id",
    payloads=(TokenRevoked,),
    external=False,
    direction="internal",
    description="API token ids revoked by an admin; every instance of every service reads it whole",
    # One partition and compaction: a short list any instance reads from the start when it starts.
    partitions=1,
    config={"cleanup.policy": "compact"},
    producers=("admins (`/admin/tokens/revoked` on any service, `referee token revoke`)",),
    consumers=("every service instance (no consumer group)",),
)
PARTNERS_REGISTRY = Topic(
    "partners.registry",
    key="partner_id",
    payloads=(PartnerChanged,),
    external=True,
    direction="out",
    description="each partner's record (channel, regions, status, who may act for it) after every change",
    partitions=3,
    config={"cleanup.policy": "compact"},
    producers=("registration",),
    consumers=(PORTALS, "settlement"),
)
RULES_VERSIONS = Topic(
    "rules.versions",
    key="rule set id@version",
    payloads=(RuleVersionPublished,),
    external=False,
    direction="internal",
    description="rule set versions uploaded while the system runs; each governs decisions from its effective_from",
    # One partition and compaction: every instance reads every version from the start when it starts.
    partitions=1,
    config={"cleanup.policy": "compact", **_BROKER_TIME},
    # A channel manager uploads through any service (`/admin/rules/versions`, `referee rules upload`); that
    # service signs the version as itself.
    producers=SERVICE_NAMES,
    consumers=("every service instance (no consumer group)",),
)

BOARD_PLANS = Topic(
    "board.plans",
    key="customer_key",
    payloads=(ProcurementPlanReported,),
    external=True,
    direction="in",
    description="a shared account's procurement plan (what, roughly how much, when, from which source)",
    config=_BROKER_TIME,
    producers=(PORTALS,),
    consumers=("dedup",),
)
BOARD_VISITS = Topic(
    "board.visits",
    key="customer_key",
    payloads=(VisitReported,),
    external=True,
    direction="in",
    description="a planned or done visit to a contact of a shared account",
    config=_BROKER_TIME,
    producers=(PORTALS,),
    consumers=("dedup",),
)
BOARD_CHANGES = Topic(
    "board.changes",
    key="customer_key",
    payloads=(BoardChanged,),
    external=True,
    direction="out",
    description="a shared account's board changed: a plan, a visit, a clash of visits (never amounts)",
    producers=("dedup",),
    consumers=(PORTALS,),
)

EVIDENCE_CHECKPOINTS = Topic(
    "evidence.checkpoints",
    key="chain",
    payloads=(EvidenceCheckpoint,),
    external=True,
    direction="out",
    description="each evidence chain's head, signed by registration, after every change: the trail's anchor",
    partitions=3,
    config={"cleanup.policy": "compact"},
    producers=("registration",),
    consumers=(PORTALS, "HQ", "arbitration"),
)

ALL_TOPICS: tuple[Topic[Any], ...] = (
    LEADS_SUBMITTED,
    LEADS_ACTIVITIES,
    DEALS_CLOSED,
    QUALIFICATIONS_SUBMITTED,
    DISPUTES_OPENED,
    LEADS_DECISIONS,
    LEADS_LOCKS,
    QUALIFICATIONS_DECISIONS,
    DISPUTES_RULINGS,
    DISPUTES_EVENTS,
    SETTLEMENTS_STATEMENTS,
    SETTLEMENTS_PAYMENTS,
    QUALIFICATION_CHECKS,
    QUALIFICATION_VERDICTS,
    DEDUP_REQUESTS,
    DEDUP_VERDICTS,
    TASKS_EVENTS,
    LEADS_TRANSITIONS,
    AUTH_REVOCATIONS,
    PARTNERS_REGISTRY,
    BOARD_PLANS,
    BOARD_VISITS,
    BOARD_CHANGES,
    RULES_VERSIONS,
    EVIDENCE_CHECKPOINTS,
)

# The consuming services (every service consumes); each has a dead-letter topic of its own (its
# subscriptions are the consumer groups <service>.<topic>).
CONSUMER_GROUPS: tuple[str, ...] = SERVICE_NAMES


def dead_letter_topic(group: str) -> Topic[Payload]:
    return Topic[Payload](
        f"deadletter.{group}",
        key="original key",
        payloads=(),
        external=False,
        direction="internal",
        description=f"messages the {group} service could not process, with the reason",
        partitions=3,
        producers=(group,),
        consumers=("operators",),
    )


def retry_topic(group: str) -> Topic[Any]:
    """Where ``group`` puts a message it cannot process yet, to read it again after a delay (kafka/retry.py)."""
    read = tuple(dict.fromkeys(p for t in ALL_TOPICS if group in t.consumers for p in t.payloads))
    return Topic[Any](
        f"retry.{group}",
        key="original key",
        payloads=read,
        external=False,
        direction="internal",
        description=f"messages the {group} service cannot process yet (a lead not recorded yet), tried again "
        "after a delay; the original record with a stamp in its headers",
        producers=(group,),
        consumers=(group,),
    )


def all_topics_with_dead_letters() -> tuple[Topic[Any], ...]:
    return (
        ALL_TOPICS
        + tuple(dead_letter_topic(group) for group in CONSUMER_GROUPS)
        + tuple(retry_topic(group) for group in CONSUMER_GROUPS)
    )


def by_name(name: str) -> Topic[Any]:
    for topic in all_topics_with_dead_letters():
        if topic.name == name:
            return topic
    raise KeyError(f"no topic named {name!r}")
