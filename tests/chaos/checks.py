"""What must hold after the faults, read from where it is kept: the services' databases, Temporal's list of
running workflows, the evidence chains and the dead-letter topics."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import asyncpg
from temporalio.client import Client

from referee_shared.events.leads import DecisionOutcome

from .load import Ledger, Sent
from .stack import REFEREE, Stack


@dataclass
class Outcome:
    """Per input key: how many effects it had (0 = lost, 1 = kept, more = doubled)."""

    effects: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def lost(self, sent: list[Sent]) -> int:
        return sum(1 for s in sent if self.effects.get(s.key, 0) == 0)

    def doubled(self, sent: list[Sent]) -> int:
        return sum(1 for s in sent if self.effects.get(s.key, 0) > 1)


async def count_effects(stack: Stack, ledger: Ledger) -> Outcome:
    """One number per input: decisions on the topic and in the database must agree on exactly one."""
    outcome = Outcome()
    registration = await asyncpg.connect(stack.postgres_dsn(stack.database("registration")))
    settlement = await asyncpg.connect(stack.postgres_dsn(stack.database("settlement")))
    arbitration = await asyncpg.connect(stack.postgres_dsn(stack.database("arbitration")))
    try:
        decided = {
            str(r["lead_id"])
            for r in await registration.fetch("SELECT lead_id FROM leads WHERE status NOT IN ('submitted', 'checking')")
        }
        activities = Counter(
            r["activity_id"]
            for r in await registration.fetch(
                "SELECT content->>'activity_id' AS activity_id FROM evidence_records WHERE kind = 'activity'"
            )
        )
        statements = Counter(
            r["deal_id"] for r in await settlement.fetch("SELECT deal_id FROM statements WHERE kind = 'original'")
        )
        payments = {r["payment_id"] for r in await settlement.fetch("SELECT payment_id FROM payment_reports")}
        disputes = {str(r["dispute_id"]) for r in await arbitration.fetch("SELECT dispute_id FROM disputes")}
    finally:
        for connection in (registration, settlement, arbitration):
            await connection.close()
    for key, sent in ledger.sent.items():
        kind, _, ident = key.partition(":")
        on_topic = ledger.times_answered(key)
        if kind == "registration":
            count = on_topic if ident in decided else 0
        elif kind == "dispute":
            count = on_topic if ident in disputes else 0
        elif kind == "deal":
            count = max(on_topic, statements.get(ident, 0))
        elif kind == "activity":
            count = activities.get(ident, 0)
        else:
            count = 1 if ident in payments else 0
        outcome.effects[key] = count
        if count != 1:
            outcome.problems.append(f"{key} (sent in phase '{sent.phase}') had {count} effects")
    return outcome


async def check_locks(stack: Stack, ledger: Ledger) -> list[str]:
    """Every accepted lead has exactly one lock, and the active locks are exactly Temporal's running lock
    workflows."""
    problems = []
    accepted = [d.lead_id for d in ledger.decisions.values() if d.outcome is DecisionOutcome.ACCEPTED]
    connection = await asyncpg.connect(stack.postgres_dsn(stack.database("registration")))
    try:
        locks = Counter(str(r["lead_id"]) for r in await connection.fetch("SELECT lead_id FROM locks"))
        active = {
            r["workflow_id"] for r in await connection.fetch("SELECT workflow_id FROM locks WHERE status = 'active'")
        }
    finally:
        await connection.close()
    for lead_id in accepted:
        if locks.get(str(lead_id), 0) != 1:
            problems.append(f"accepted lead {lead_id} has {locks.get(str(lead_id), 0)} locks")
    client = await Client.connect(f"127.0.0.1:{stack.ports.temporal}")
    running: Counter[str] = Counter()
    async for execution in client.list_workflows("ExecutionStatus = 'Running'"):
        if execution.id.startswith(f"{stack.topic_prefix}lead-lock-"):
            running[execution.id] += 1
    problems += [f"lock workflow {w} runs {n} times" for w, n in running.items() if n > 1]
    problems += [f"active lock {w} has no running workflow" for w in sorted(active - set(running))]
    problems += [f"running lock workflow {w} has no active lock" for w in sorted(set(running) - active)]
    return problems


async def check_evidence(stack: Stack) -> list[str]:
    """Every evidence chain verifies (the project's own command, on registration's database)."""
    env = stack.service_env("registration")
    try:
        output = await stack.arun(
            REFEREE, "evidence", "verify", "--database-url", stack.database_url("registration"), env=env
        )
    except RuntimeError as failed:
        return [f"evidence chains do not verify: {failed}"]
    return [] if " 0 tampered" in output else [f"evidence verification said: {output.strip().splitlines()[-1:]}"]


def check_dead_letters(ledger: Ledger) -> list[str]:
    """The only dead letters are the poison the suite sent (each may be dead-lettered more than once only if a
    service died between dead-lettering and committing; that is counted, not forgiven)."""
    poison = set(ledger.poison)
    # Per consumer group: two services reading one topic each dead-letter the same poison once.
    by_group = Counter((d.consumer, d.source_topic, d.partition, d.offset) for d in ledger.dead_letters)
    found = {(t, p, o) for _, t, p, o in by_group}
    problems = [
        f"dead letter not injected: {d.source_topic}[{d.partition}]@{d.offset}: {d.reason[:200]}"
        for d in ledger.dead_letters
        if (d.source_topic, d.partition, d.offset) not in poison
    ]
    problems += [f"poison {p} was not dead-lettered" for p in sorted(poison - found)]
    problems += [f"poison {k[1:]} was dead-lettered {n} times by {k[0]}" for k, n in by_group.items() if n > 1]
    return problems
