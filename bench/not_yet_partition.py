"""A message that cannot be processed yet, and the valid one behind it on the same partition.

    .venv/bin/python bench/not_yet_partition.py [--rounds 3]

On the real Kafka, Temporal and PostgreSQL (registration, dedup and qualification in-process, the
integration tests' harness): a lead is accepted, then an activity naming a lead registration does not know
yet is published on that lead's partition, immediately followed by a valid activity for the accepted lead.
The figure is how long the valid activity takes to reach the lead's evidence trail, from the moment it was
sent. The baseline, measured in the same run, is the same valid activity with nothing stuck ahead of it.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from aiokafka.partitioner import DefaultPartitioner

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from referee_shared.events.leads import ActivityKind, DecisionOutcome, LeadActivity
from referee_shared.topics import LEADS_ACTIVITIES, LEADS_DECISIONS, LEADS_SUBMITTED
from tests.builders import customer, envelope, make_uscc, submission
from tests.stack import Stack, new_prefix


def key_on_partition_of(key: str, partitions: int) -> str:
    """A fresh lead id whose record lands on the same partition as ``key`` (Kafka's default partitioner)."""
    partitioner = DefaultPartitioner()
    every = list(range(partitions))
    target = partitioner(key.encode(), every, every)
    while True:
        candidate = str(uuid.uuid4())
        if partitioner(candidate.encode(), every, every) == target:
            return candidate


async def activity_count(stack: Stack, lead_id: uuid.UUID) -> int:
    bundle = await stack.services["registration"][0].evidence.for_lead(lead_id)
    return sum(1 for record in bundle.records if record.kind == "activity")


async def seconds_until_recorded(stack: Stack, lead_id: uuid.UUID, activity: LeadActivity, sent: float) -> float:
    before = await activity_count(stack, lead_id)
    await stack.publish(LEADS_ACTIVITIES, envelope(activity), key=str(lead_id))
    while await activity_count(stack, lead_id) == before:
        if time.perf_counter() - sent > 120:
            raise TimeoutError("the valid activity was not recorded within 120 s")
        await asyncio.sleep(0.02)
    return time.perf_counter() - sent


def visit(lead_id: Any, summary: str) -> LeadActivity:
    return LeadActivity(
        activity_id=uuid.uuid4(),
        lead_id=lead_id,
        partner_id="dealer-hangzhou",
        kind=ActivityKind.VISIT,
        summary=summary,
    )


async def main(rounds: int) -> None:
    stack = Stack(new_prefix("notyet-bench"), {"registration": 1, "dedup": 1, "qualification": 1})
    await stack.start()
    try:
        lead = submission(
            "dealer-hangzhou", who=customer("杭州慢消息基准客户", uscc=make_uscc(uuid.uuid4().int % 10**9))
        )
        await stack.publish(LEADS_SUBMITTED, envelope(lead), key=str(lead.lead_id))
        [decided] = await stack.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == lead.lead_id, timeout=60)
        assert decided.payload.outcome is DecisionOutcome.ACCEPTED, decided.payload.reason
        await seconds_until_recorded(stack, lead.lead_id, visit(lead.lead_id, "warm-up"), time.perf_counter())
        alone: list[float] = []
        behind: list[float] = []
        for n in range(rounds):
            alone.append(
                await seconds_until_recorded(
                    stack, lead.lead_id, visit(lead.lead_id, f"alone {n}"), time.perf_counter()
                )
            )
            stranger = key_on_partition_of(str(lead.lead_id), LEADS_ACTIVITIES.partitions)
            stuck = visit(uuid.UUID(stranger), f"names a lead not known yet {n}")
            sent = time.perf_counter()
            await stack.publish(LEADS_ACTIVITIES, envelope(stuck), key=stranger)
            behind.append(await seconds_until_recorded(stack, lead.lead_id, visit(lead.lead_id, f"behind {n}"), sent))
        base, figure = statistics.median(alone), statistics.median(behind)
        print(f"valid activity alone (baseline), median of {rounds}: {base:.3f} s  {[round(s, 3) for s in alone]}")
        print(f"valid activity behind one not-yet activity, median of {rounds}: {figure:.3f} s  "
              f"{[round(s, 3) for s in behind]}")  # fmt: skip
        print(f"ratio behind/alone: {figure / base:.1f}x")
    finally:
        await stack.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(main(parser.parse_args().rounds))
