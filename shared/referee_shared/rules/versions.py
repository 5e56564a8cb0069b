"""Rule set versions managed while the system runs: a channel manager uploads a version (validated
against the rule schema, with who and why), it travels on the compacted ``rules.versions`` topic, and
every service instance adds it to its RuleBook, where it governs decisions from its ``effective_from``.

Services choose the version in force at the moment of each message (``RuleBook.for_product_line(line,
at)`` with the broker's time), so a version never decides what came before it, and a decision made
under an earlier version is never re-decided.

A version is a rule of the game, so it is trusted like any other message: the service that took the upload
signs it as itself, and every instance verifies it against the producer registry before adding it. A version
that is forged, unreadable or does not fit the book is not applied; one that arrives while an instance runs is
dead-lettered by it with the reason (one reading the topic again from its start only logs the old ones, so a
restart does not write the same letter again).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Depends, HTTPException, Request, status
from faststream.kafka import KafkaBroker, KafkaMessage
from pydantic import BaseModel, Field, ValidationError

from ..auth import Principal, Role, require
from ..clock import Clock
from ..events.catalog import UndecodableMessage, decode
from ..events.envelope import envelope_json, new_envelope
from ..events.rules import RuleVersionPublished
from ..kafka.deadletter import DeadLetter
from ..kafka.publisher import Record, RecordSender
from ..topics import RULES_VERSIONS, dead_letter_topic
from ..trust.signing import MessageVerifier, Signer
from .rulebook import RuleBook, RuleError
from .ruleset import RuleSet

log = logging.getLogger(__name__)


class DraftRefused(Exception):
    """A rule set version that may not be taken, with every reason in words a channel manager can act on."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def parse_draft(text: str) -> RuleSet:
    """A rule set from YAML (or JSON) text; DraftRefused naming each field that does not fit the schema."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DraftRefused([f"not YAML: {exc}"]) from exc
    if not isinstance(document, dict):
        raise DraftRefused(["a rule set is a mapping of fields (id, version, effective_from, ...), not a list or text"])
    try:
        return RuleSet.model_validate(document)
    except ValidationError as exc:
        raise DraftRefused([_field_problem(error) for error in exc.errors()]) from exc


def _field_problem(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "(document)"
    return f"{where}: {error['msg']}"


def check_schedule(book: RuleBook, rules: RuleSet, now: datetime) -> None:
    """DraftRefused unless the version is new, follows the newest version of its set, and starts in the future."""
    problems: list[str] = []
    versions = [r.version for r in book.rule_sets if r.id == rules.id]
    if versions and rules.version <= max(versions):
        problems.append(f"version: {rules.id} is at version {max(versions)}; upload version {max(versions) + 1}")
    if not versions:
        problems.append(f"id: no rule set {rules.id!r} is running; new rule sets start from a rules/*.yaml file")
    if rules.effective_from <= now:
        problems.append(
            f"effective_from: {rules.effective_from.isoformat()} is not in the future; a version never applies "
            "to what was decided before it was uploaded"
        )
    if not problems:
        try:
            RuleBook([*book.rule_sets, rules])
        except RuleError as exc:
            problems.append(str(exc))
    if problems:
        raise DraftRefused(problems)


@dataclass(frozen=True)
class Publisher:
    """Who puts uploaded versions on the topic: the service that took the upload, signing as itself."""

    producer: str
    signer: Signer | None
    topic_prefix: str


def version_record(published: RuleVersionPublished, publisher: Publisher) -> Record:
    rules = RuleSet.model_validate(published.rule_set)
    envelope = new_envelope(published, producer=publisher.producer, occurred_at=published.uploaded_at)
    if publisher.signer is not None:
        envelope = publisher.signer.sign(envelope)
    return Record(
        RULES_VERSIONS.full_name(publisher.topic_prefix), rules.ref.encode(), envelope_json(envelope), headers={}
    )


class Provenance(BaseModel):
    ref: str
    effective_from: datetime
    uploaded_by: str
    reason: str
    uploaded_at: datetime


class Uploads:
    """Who uploaded each version taken while running, and why (the versions themselves live in the RuleBook)."""

    def __init__(self) -> None:
        self.by_ref: dict[str, Provenance] = {}

    def take(self, book: RuleBook, published: RuleVersionPublished) -> bool:
        """Add the version to the book; False when it was known already. VersionRefused when it does not fit."""
        try:
            rules = RuleSet.model_validate(published.rule_set)
            added = book.add(rules)
        except (ValidationError, RuleError) as exc:
            raise VersionRefused(f"rule_version_refused: the version does not fit the rule book: {exc}") from exc
        self.by_ref.setdefault(
            rules.ref,
            Provenance(
                ref=rules.ref,
                effective_from=rules.effective_from,
                uploaded_by=published.uploaded_by,
                reason=published.reason,
                uploaded_at=published.uploaded_at,
            ),
        )
        return added


class VersionRefused(UndecodableMessage):
    """A version read from the topic that is not applied (see ``code`` and ``reason``)."""

    def __init__(self, reason: str, code: str = "unprocessable") -> None:
        super().__init__(reason, code)


@dataclass(frozen=True)
class Reader:
    """What one service instance needs to check the versions it reads and dead-letter the ones it refuses."""

    service: str
    topic_prefix: str
    verifier: MessageVerifier | None
    sender: RecordSender
    clock: Clock


# A version the broker stamped before this instance started was judged by the instances running then.
_REPLAYED = timedelta(seconds=5)


def follow_rule_versions(broker: KafkaBroker, reader: Reader, book: RuleBook, uploads: Uploads) -> None:
    """Subscribe this instance to every rule set version, past and future; apply only the trusted ones."""
    started_at = datetime.now(UTC)  # compared with the broker's timestamps: wall time, not the business clock

    @broker.subscriber(RULES_VERSIONS.full_name(reader.topic_prefix), auto_offset_reset="earliest")
    async def published(message: KafkaMessage) -> None:
        raw = message.body if isinstance(message.body, bytes) else b""
        try:
            event = decode(RULES_VERSIONS, raw)
            if reader.verifier is not None:
                reader.verifier.check(RULES_VERSIONS.name, raw, event, partner_checked=False)
            uploads.take(book, event.payload)
        except UndecodableMessage as exc:
            timestamp = getattr(message.raw_message, "timestamp", None)
            stamped = datetime.fromtimestamp(timestamp / 1000, UTC) if timestamp else started_at
            if stamped < started_at - _REPLAYED:
                log.warning("refused a rule set version read again: %s", exc.reason)
                return
            await reader.sender.send([_dead_letter(reader, message, raw, exc)])


def _dead_letter(reader: Reader, message: KafkaMessage, raw: bytes, refused: UndecodableMessage) -> Record:
    record: Any = message.raw_message  # one ConsumerRecord: the subscriber is not batched
    headers = {name: value.decode("utf-8", "replace") for name, value in record.headers or ()}
    letter = DeadLetter.of(
        consumer=reader.service,
        reason=refused.reason,
        reason_code=refused.code,
        failed_at=reader.clock.now(),
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key,
        value=raw,
        headers=headers,
    )
    log.warning("dead-lettered a rule set version: %s", refused.reason)
    return Record(
        dead_letter_topic(reader.service).full_name(reader.topic_prefix),
        record.key,
        letter.model_dump_json().encode(),
        {"dead-letter-reason": refused.reason[:500], "source-topic": record.topic},
    )


class UploadVersion(BaseModel):
    document: str = Field(min_length=1, max_length=200_000, description="the rule set as YAML, like rules/*.yaml")
    reason: str = Field(min_length=10, max_length=2000, description="why the rules change, for the record")


class VersionSummary(BaseModel):
    ref: str
    title: str
    product_lines: list[str]
    effective_from: datetime
    uploaded_by: str | None = Field(description="null for a version read from the rule files at start")
    reason: str | None


AdminPrincipal = Annotated[Principal, Depends(require(Role.ADMIN))]


def build_router(sender: RecordSender, book: RuleBook, uploads: Uploads, publisher: Publisher) -> APIRouter:
    router = APIRouter(prefix="/admin/rules", tags=["operations"])

    @router.post("/versions", status_code=status.HTTP_201_CREATED, summary="Schedule a new version of a rule set")
    async def upload(body: UploadVersion, principal: AdminPrincipal, request: Request) -> VersionSummary:
        now = request.app.state.runtime.clock.now()
        try:
            rules = parse_draft(body.document)
            check_schedule(book, rules, now)
        except DraftRefused as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, exc.problems) from exc
        published = RuleVersionPublished(
            rule_set=rules.model_dump(mode="json"), uploaded_by=principal.subject, reason=body.reason, uploaded_at=now
        )
        await sender.send([version_record(published, publisher)])
        uploads.take(book, published)  # this instance has it at once; the others as the topic reaches them
        return _summary(rules, uploads)

    @router.get("/versions", summary="Every version of every rule set, with who uploaded it and why")
    async def versions(_principal: AdminPrincipal) -> list[VersionSummary]:
        return [_summary(rules, uploads) for rules in book.rule_sets]

    return router


def _summary(rules: RuleSet, uploads: Uploads) -> VersionSummary:
    known = uploads.by_ref.get(rules.ref)
    return VersionSummary(
        ref=rules.ref,
        title=rules.title,
        product_lines=list(rules.product_lines),
        effective_from=rules.effective_from,
        uploaded_by=known.uploaded_by if known else None,
        reason=known.reason if known else None,
    )
