"""The evidence chain is anchored outside the database (issue 11, outcome 5): whoever can write registration's
database can rewrite a record and recompute every hash, which the chain alone cannot tell; the chain heads
registration signed on evidence.checkpoints can, and `referee evidence verify` names the rewritten record."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, text

from referee_registration.domain.evidence import Anchor, seal
from referee_registration.store import EvidenceHead, EvidenceRecord
from referee_registration.views.evidence import EvidenceQueries, VerificationView
from referee_shared.events.disputes import DisputeStep
from referee_shared.events.evidence import EvidenceCheckpoint
from referee_shared.events.leads import LockChange
from referee_shared.kafka.checkpoints import read_checkpoints
from referee_shared.topics import (
    DISPUTES_EVENTS,
    DISPUTES_OPENED,
    EVIDENCE_CHECKPOINTS,
    LEADS_DECISIONS,
    LEADS_LOCKS,
    LEADS_SUBMITTED,
)
from referee_shared.trust.local import registry_path
from referee_shared.trust.registry import ProducerRegistry

from ..arbitration_builders import dispute_by
from ..builders import customer, envelope, make_uscc, submission
from ..stack import KAFKA, Stack, kafka_client, kafka_env
from .test_message_attacks import accepted, forged_as

REFEREE = Path(sys.executable).with_name("referee")


async def rewrite_history(stack: Stack, chain: str) -> None:
    """What an attacker with the database does: lift the append-only trigger (the table's owner may), change
    record #1, then recompute every hash after it and the head."""
    transactions = stack.runtimes["registration"][0].transactions
    async with transactions.begin() as tx:
        await tx.session.execute(text("ALTER TABLE evidence_records DISABLE TRIGGER evidence_records_append_only"))
        query = select(EvidenceRecord).where(EvidenceRecord.chain == chain).order_by(EvidenceRecord.seq)
        records = list((await tx.session.execute(query)).scalars())
        first = records[0]
        first.content = {**first.content, "estimated_amount": "1.00"}  # a different claim, as if always so
        prev_hash = first.prev_hash
        for record in records:
            entry = seal(
                record_id=str(record.record_id), chain=record.chain, seq=record.seq, recorded_at=record.recorded_at,
                actor=record.actor, kind=record.kind, lead_id=str(record.lead_id) if record.lead_id else None,
                content=record.content, rule_set=record.rule_set, rule_version=record.rule_version,
                prev_hash=prev_hash,
            )  # fmt: skip
            record.prev_hash, record.hash, prev_hash = entry.prev_hash, entry.hash, entry.hash
        head = await tx.session.get(EvidenceHead, chain)
        assert head is not None
        head.hash = prev_hash


def verify(stack: Stack, chain: str, *options: str) -> subprocess.CompletedProcess[str]:
    settings = stack.settings("registration")
    env = {
        **os.environ,
        "REFEREE_KAFKA_BOOTSTRAP": KAFKA,
        "REFEREE_TOPIC_PREFIX": stack.prefix,
        "REFEREE_TRUST_DIR": str(stack.trust_dir),
        "REFEREE_LOCAL_MODE": "true",
        "REFEREE_DATA_DIR": str(stack.trust_dir.parent / f"{stack.trust_dir.name}-data"),
        **kafka_env(),
    }
    command = [
        str(REFEREE),
        "evidence",
        "verify",
        "--customer",
        chain,
        "--database-url",
        settings.resolved_database_url(),
    ]
    return subprocess.run([*command, *options], env=env, capture_output=True, text=True, timeout=900, check=False)


async def test_a_rewrite_with_recomputed_hashes_is_named_against_the_signed_checkpoints(guarded: Stack) -> None:
    who = customer("杭州锚定测试一号建设有限公司", uscc=make_uscc(9301))
    lead = submission("dealer-hangzhou", who=who)
    await accepted(guarded, lead)
    [lock] = await guarded.events(
        LEADS_LOCKS, lambda e: e.payload.lead_id == lead.lead_id and e.payload.change is LockChange.GRANTED
    )
    chain = lock.payload.customer_key
    late = submission("dealer-shaoxing", who=who)  # refused as a duplicate: it may dispute the customer later
    await guarded.publish(LEADS_SUBMITTED, envelope(late), key=str(late.lead_id))
    await guarded.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == late.lead_id)
    transactions = guarded.runtimes["registration"][0].transactions
    async with transactions.sessions() as session:
        head = await session.get(EvidenceHead, chain)
    assert head is not None
    [anchor] = await guarded.events(
        EVIDENCE_CHECKPOINTS, lambda e: e.payload.chain == chain and e.payload.seq == head.seq
    )
    assert anchor.producer == "registration"
    assert anchor.signature is not None
    assert anchor.payload.hash == head.hash

    queries = EvidenceQueries(transactions)
    registry = ProducerRegistry.load(registry_path(guarded.trust_dir))

    async def anchored_check() -> VerificationView:
        found = await read_checkpoints(KAFKA, guarded.prefix, registry, client_options=kafka_client())
        anchors = {name: [Anchor(c.seq, c.hash, c.at) for c in found.of(name)] for name in found.by_chain}
        [result] = await queries.verify_anchored(anchors, [chain])
        return result

    before = await anchored_check()
    assert before.intact
    assert before.anchors_checked >= 1

    await rewrite_history(guarded, chain)

    assert (await queries.verify_customer(chain)).intact, "the chain alone cannot tell: every hash was recomputed"
    after = await anchored_check()
    assert not after.intact
    assert [f.problem for f in after.findings] == ["rewritten"] * len(after.findings)
    assert f"record #{head.seq}" in after.findings[-1].detail

    # Arbitration, which keeps the checkpoints it read, flags the case file of a dispute about that customer.
    disputed = dispute_by("dealer-shaoxing", ("dealer-hangzhou",), customer_key=chain)
    await guarded.publish(DISPUTES_OPENED, envelope(disputed), key=str(disputed.dispute_id))
    flagged = await guarded.events(
        DISPUTES_EVENTS,
        lambda e: e.payload.dispute_id == disputed.dispute_id and e.payload.step is DisputeStep.EVIDENCE_FLAGGED,
    )
    assert "signed checkpoint" in flagged[0].payload.summary
    assert "hashes recomputed" in flagged[0].payload.summary

    # The operator's command says so too (it reads the checkpoints from Kafka itself).
    command = await asyncio.to_thread(verify, guarded, chain)
    assert command.returncode == 1, command.stdout + command.stderr
    assert f"chain {chain}: TAMPERED" in command.stdout
    assert f"REWRITTEN: record #{head.seq}" in command.stdout
    assert f"rewritten at or before #{head.seq} and its hashes recomputed" in command.stdout


async def test_a_checkpoint_not_signed_by_registration_is_refused(guarded: Stack) -> None:
    """A forged anchor (say, to cover a rewrite) signed with another producer's key is not believed."""
    chain = "cust-forged-anchor"
    fake = EvidenceCheckpoint(chain=chain, seq=1, hash="0" * 64, at=datetime.now(UTC))
    forged = forged_as(guarded, envelope(fake, producer="registration"), "partner-portal")
    await guarded.publish(EVIDENCE_CHECKPOINTS, forged, key=chain, signed=False)
    await guarded.events(EVIDENCE_CHECKPOINTS, lambda e: e.payload.chain == chain)
    found = await read_checkpoints(
        KAFKA, guarded.prefix, ProducerRegistry.load(registry_path(guarded.trust_dir)), client_options=kafka_client()
    )
    assert found.of(chain) == []
    assert any(reason.startswith("bad_signature") for reason in found.refused)
