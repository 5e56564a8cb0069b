"""``make chaos``: the mixed load through the real system while its parts fail, then the promise checked.

    .venv/bin/python -m tests.chaos.run [--skip-cluster] [--keep]

Part one, on its own single broker (Kafka 19092/19093, Temporal 17233, PostgreSQL 56432, services
18001-18005, a second instance on 18006, data in .referee-chaos/): kill -9 of each service, restarts of
Kafka, Temporal and PostgreSQL, two instances of registration taking over each other's partitions, and
poison. Part two, on a three-broker cluster (deploy/kafka-cluster.sh, 19192/19194/19196, services 18011-18015,
data in .referee-cluster/): one broker killed under load, the services left alone. A table per fault: inputs sent,
lost, doubled, time to recover. Exit 1 if anything was lost or doubled or a check failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from referee_shared.auth import Role, issue_token
from referee_shared.services import SERVICE_NAMES
from referee_shared.settings import REPO_ROOT, ServiceSettings

from .checks import Outcome, check_dead_letters, check_evidence, check_locks, count_effects
from .load import Ledger, Load, Watcher
from .stack import DEPLOY, Ports, Stack, alive

CHAOS_DIR = REPO_ROOT / ".referee-chaos"
CLUSTER_DIR = REPO_ROOT / ".referee-cluster"
# Seconds of load before a fault, at most during it, after it; the longest wait for the answers of a phase.
LEAD_IN, FAULT_LOAD, TAIL, DRAIN = 4.0, 8.0, 6.0, 240.0


@dataclass
class Phase:
    name: str
    fault_at: float = 0.0
    fault_seconds: float = 0.0
    recovery: float | None = None


def say(text: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {text}", flush=True)


class Run:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.ledger = Ledger()
        env = stack.env()
        self.settings = ServiceSettings(
            data_dir=Path(env["REFEREE_DATA_DIR"]), local_mode=True, topic_prefix=stack.topic_prefix
        )
        self.load = Load(stack.kafka_bootstrap, stack.topic_prefix, self.settings.resolved_trust_dir(), self.ledger)
        self.watcher = Watcher(stack.kafka_bootstrap, stack.topic_prefix, self.ledger)
        self.phases: list[Phase] = []
        self.failures: list[str] = []

    async def __aenter__(self) -> Run:
        await self.seed_partners()
        await self.load.start()
        await self.watcher.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.watcher.stop()
        await self.load.stop()

    async def seed_partners(self) -> None:
        token = issue_token(
            self.settings.auth_secret,
            subject="chaos-admin",
            role=Role.ADMIN,
            now=datetime.now(UTC),
            issuer=self.settings.auth_issuer,
            audience=self.settings.auth_audience,
        )
        base = f"http://127.0.0.1:{self.stack.ports.service('registration')}"
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
            for partner in self.load.partners:
                record = {
                    "partner_id": partner,
                    "name": partner,
                    "channel": "dealer",
                    "regions": [],
                    "status": "active",
                }
                (await http.put(f"/partners/{partner}", json=record)).raise_for_status()

    async def phase(self, name: str, fault: Callable[[], Coroutine[object, object, None]] | None) -> None:
        """Load, the fault, load again, then wait for the answers. The load keeps going into a long fault (a
        service restarting) for at most FAULT_LOAD seconds: enough to have work in flight and waiting, without
        piling up more than the machine can answer before the next phase."""
        phase = Phase(name)
        self.phases.append(phase)
        self.load.phase = name
        say(f"phase: {name}")
        await self.steady(LEAD_IN)
        phase.fault_at = time.monotonic()
        if fault is not None:
            injected: asyncio.Task[None] = asyncio.create_task(fault())
            await self.steady(FAULT_LOAD, until=injected)
            try:
                await injected
            except Exception as failed:  # a component that does not come back is a finding, not the end of the run
                self.failures.append(f"{name}: the fault or the recovery from it failed: {failed}")
                say(f"  {name}: {failed}")
        phase.fault_seconds = time.monotonic() - phase.fault_at
        await self.steady(TAIL)
        await self.drain(name)
        phase.recovery = self.recovery(phase)
        say(f"  {name}: fault took {phase.fault_seconds:.1f} s, recovered in {phase.recovery or 0:.1f} s")

    async def steady(self, seconds: float, until: asyncio.Task[None] | None = None) -> None:
        """One tick of load a second for ``seconds`` (or until ``until`` is done)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end and not (until is not None and until.done()):
            started = time.monotonic()
            await self.load.tick()
            await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - started)))

    async def drain(self, name: str) -> None:
        """Wait until every input of the phase that answers on a topic has its answer (or DRAIN passed)."""
        deadline = time.monotonic() + DRAIN
        while time.monotonic() < deadline:
            missing = [s for s in self.ledger.expecting(name) if s.key not in self.ledger.answers]
            if not missing:
                return
            await asyncio.sleep(0.5)
        say(f"  {name}: {len(missing)} inputs still unanswered after {DRAIN:.0f} s")

    def recovery(self, phase: Phase) -> float | None:
        """From the fault until everything sent while it lasted (and in the second after) was answered: the
        backlog the fault left is cleared. None if nothing answerable was sent in that window."""
        window_end = phase.fault_at + phase.fault_seconds + 1.0
        answered = [
            self.ledger.first_answer_at.get(s.key, float("inf"))
            for s in self.ledger.expecting(phase.name)
            if phase.fault_at <= s.at <= window_end
        ]
        return max(answered) - phase.fault_at if answered else None

    async def verify(self) -> tuple[Outcome, list[str]]:
        outcome = await count_effects(self.stack, self.ledger)
        problems = [*self.failures, *outcome.problems]
        problems += await check_locks(self.stack, self.ledger)
        problems += await check_evidence(self.stack)
        problems += check_dead_letters(self.ledger)
        return outcome, problems

    def table(self, title: str, outcome: Outcome) -> str:
        lines = [title, f"{'fault':<34} {'sent':>5} {'lost':>5} {'doubled':>8} {'fault s':>8} {'recover s':>10}"]
        for phase in self.phases:
            sent = [s for s in self.ledger.sent.values() if s.phase == phase.name]
            lines.append(
                f"{phase.name:<34} {len(sent):>5} {outcome.lost(sent):>5} {outcome.doubled(sent):>8} "
                f"{phase.fault_seconds:>8.1f} {phase.recovery or 0:>10.1f}"
            )
        everything = list(self.ledger.sent.values())
        lines.append(
            f"{'total':<34} {len(everything):>5} {outcome.lost(everything):>5} {outcome.doubled(everything):>8}"
        )
        kinds = ", ".join(
            f"{k} {sum(1 for s in everything if s.kind == k)}"
            for k in ("registration", "activity", "dispute", "deal", "payment")
        )
        lines.append(f"inputs: {kinds}; poison {len(self.ledger.poison)}, dead letters {len(self.ledger.dead_letters)}")
        return "\n".join(lines)


async def single_broker(stack: Stack) -> tuple[str, bool]:
    async with Run(stack) as run:
        await run.phase("no fault (baseline)", None)
        for name in SERVICE_NAMES:
            await run.phase(f"kill -9 {name}", functools.partial(stack.kill_service, name))
        await run.phase("restart Kafka broker", lambda: stack.restart("kafka"))
        await run.phase("restart Temporal server", lambda: stack.restart("temporal"))
        await run.phase("restart PostgreSQL", lambda: stack.restart("postgres"))

        async def take_over() -> None:
            await stack.start_second_instance("registration")  # the group rebalances over both
            await asyncio.sleep(3)
            await stack.kill_service("registration")  # the second takes every partition, the first comes back
            await asyncio.sleep(3)
            await stack.stop_second_instance()  # and takes them all back

        await run.phase("two registrations take over", take_over)
        await run.phase("poison", run.load.poison)
        say("checking")
        outcome, problems = await run.verify()
        return _report(run.table("single broker", outcome), problems)


async def cluster(stack: Stack, cluster_env: dict[str, str]) -> tuple[str, bool]:
    async with Run(stack) as run:
        pids = {name: stack.service_pid(name) for name in SERVICE_NAMES}
        await run.phase("no fault (cluster baseline)", None)

        async def kill_broker() -> None:
            await stack.arun(DEPLOY / "kafka-cluster.sh", "kill", "1", env=cluster_env)

        await run.phase("kill -9 broker 1 of 3", kill_broker)
        await run.phase("broker 1 still down", None)
        say("checking")
        outcome, problems = await run.verify()
        restarted = [n for n, pid in pids.items() if stack.service_pid(n) != pid or not alive(pid)]
        problems += [f"service {n} had to be restarted" for n in restarted]
        return _report(run.table("three-broker cluster (RF 3, min ISR 2)", outcome), problems)


def _report(table: str, problems: list[str]) -> tuple[str, bool]:
    lines = [table]
    if problems:
        lines.append(f"{len(problems)} problem(s):")
        lines += [f"  - {p}" for p in problems[:40]]
    else:
        lines.append("every submission one decision, every accepted lead one lock and one running lock workflow,")
        lines.append("every closed deal one statement, every evidence chain verified, dead letters = the poison")
    return "\n".join(lines), not problems


async def main(skip_cluster: bool, keep: bool, cluster_only: bool = False) -> int:
    began = time.monotonic()
    stack = Stack(CHAOS_DIR)
    cluster_env = {**stack.env(), "REFEREE_DATA_DIR": str(CLUSTER_DIR)}
    reports: list[tuple[str, bool]] = []
    cluster_up: asyncio.Task[str] | None = None
    try:
        say("starting the suite's own Kafka, Temporal and PostgreSQL")
        if not skip_cluster:  # the three brokers start meanwhile: JVM start-up overlaps
            CLUSTER_DIR.mkdir(exist_ok=True)
            with contextlib.suppress(FileExistsError):
                (CLUSTER_DIR / "cache").symlink_to(REPO_ROOT / ".referee" / "cache")
            cluster_up = asyncio.create_task(stack.arun(DEPLOY / "kafka-cluster.sh", "up", env=cluster_env))
        await stack.infra_up(*(("temporal", "postgres") if cluster_only else ()))
        await stack.create_databases()
        if not cluster_only:
            await stack.prepare()
            say("starting the five services")
            await stack.start_services()
            reports.append(await single_broker(stack))
            say(reports[-1][0])
            if not keep and cluster_up is not None:  # the cluster part needs the CPU more than idle services
                await stack.stop_services()
                await stack.arun(DEPLOY / "kafka.sh", "stop")
        if cluster_up is not None:
            say("the three-broker cluster: a second set of services on it (18011-18015), same Temporal and PostgreSQL")
            await cluster_up
            on_cluster = Stack(
                CLUSTER_DIR,
                ports=Ports(first_service=18011),
                kafka_bootstrap=(await stack.arun(DEPLOY / "kafka-cluster.sh", "bootstrap", env=cluster_env)).strip(),
                replication_factor=3,
                topic_prefix="cluster.",
                database_prefix="cluster_",
            )
            await on_cluster.create_databases()
            await on_cluster.prepare()
            await on_cluster.start_services()
            try:
                reports.append(await cluster(on_cluster, cluster_env))
                say(reports[-1][0])
            finally:
                if not keep:
                    with contextlib.suppress(Exception):
                        await on_cluster.stop_services()
    finally:
        if not keep:
            say("stopping everything the suite started")
            with contextlib.suppress(Exception):
                await stack.stop_services()
            with contextlib.suppress(Exception):
                await stack.infra_down()
            if cluster_up is not None:
                with contextlib.suppress(BaseException):
                    await cluster_up
                with contextlib.suppress(Exception):
                    await stack.arun(DEPLOY / "kafka-cluster.sh", "down", env=cluster_env)
    print("\n" + "\n\n".join(r[0] for r in reports))
    print(f"\nmake chaos took {time.monotonic() - began:.0f} s")
    return 0 if reports and all(r[1] for r in reports) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-cluster", action="store_true", help="only the single-broker part")
    parser.add_argument("--cluster-only", action="store_true", help="only the three-broker part")
    parser.add_argument("--keep", action="store_true", help="leave the suite's processes running afterwards")
    arguments = parser.parse_args()
    sys.exit(asyncio.run(main(arguments.skip_cluster, arguments.keep, arguments.cluster_only)))
