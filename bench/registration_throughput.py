"""Registration end to end on the real Kafka, Temporal and PostgreSQL: how many registrations per second are
decided (accepted, with the lock workflow started) and how long one takes at a steady 50 submissions per second.

    .venv/bin/python bench/registration_throughput.py [--burst 600] [--rates 50,5] [--seconds 30] [--instances 1]
                                                       [--in-process] [--trust-cost]

With --trust-cost it measures only the burst, twice in the same run: with message signing and verification
off, then on (every envelope signed by its producer and checked by every consumer, cross-checks on), and
prints the ratio. Both runs anchor the evidence chain (a signed checkpoint per chain change), as always.

Registration, dedup and qualification run as their own processes (`python -m referee_<name>`, as
deployed), or with --in-process inside this one (the integration tests' harness, one interpreter).

The clock of a submission starts at the broker's append time of its leads.submitted record (the same
timestamp registration decides by) and stops at the timestamp of its leads.decisions record. An accepted
decision is written in the transaction that started the lock workflow, so every decision counted here
has its workflow running. Baselines measured in the same run, because this machine is shared and noisy:
a bare Kafka produce -> consume round trip of the same number of records, and bare Temporal workflow
starts, the one remote call every acceptance makes besides Kafka and PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from referee_registration.workflows.lead_lock import LeadLockWorkflow
from referee_registration.workflows.models import LOCK_WORKFLOW_KIND, LockInput
from referee_shared.events.catalog import decode
from referee_shared.events.common import Channel
from referee_shared.events.leads import DecisionOutcome, LeadSubmitted
from referee_shared.rules.protection import ProtectionRules
from referee_shared.topics import LEADS_DECISIONS, LEADS_SUBMITTED
from tests.builders import customer, envelope, make_uscc
from tests.stack import KAFKA, KAFKA_AUTH, Stack, kafka_client, kafka_env, new_prefix

# Customers spread over provinces, as real ones are: claims are ordered per province (dedup's partition key).
PROVINCES = ["浙江省", "江苏省", "上海市", "广东省", "北京市", "四川省", "山东省", "湖北省"]


@dataclass
class Latencies:
    values_ms: list[float]

    def describe(self) -> str:
        ordered = sorted(self.values_ms)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        return (
            f"p50 {statistics.median(ordered):.0f} ms, p99 {p99:.0f} ms, max {ordered[-1]:.0f} ms "
            f"({len(ordered)} decisions)"
        )


def registration(serial: int) -> LeadSubmitted:
    province = PROVINCES[serial % len(PROVINCES)]
    return LeadSubmitted(
        lead_id=uuid.uuid4(),
        partner_id=f"agent-{serial % 97:03d}",
        channel=Channel.AGENT,
        customer=customer(
            f"{province}基准客户{serial}有限公司", uscc=make_uscc(serial), province=province, city=None, address=None
        ),
        product_line="compressors",
        estimated_amount=Decimal("150000"),
    )


async def decided(stack: Stack, leads: list[LeadSubmitted], within: float) -> dict[bytes, tuple[int, int]]:
    """Wait until every lead is decided; lead key -> (submitted broker time, decision time), in ms."""
    assert stack.watcher is not None
    keys = {str(lead.lead_id).encode() for lead in leads}
    decisions = await stack.watcher.wait_for(
        stack.topic(LEADS_DECISIONS), lambda s: s.key in keys, count=len(keys), timeout=within
    )
    refused = [d for d in decisions if decode(LEADS_DECISIONS, d.value).payload.outcome is not DecisionOutcome.ACCEPTED]
    if refused:
        raise SystemExit(f"{len(refused)} registrations were not accepted: {decode(LEADS_DECISIONS, refused[0].value)}")
    submitted = {s.key: s.broker_time_ms for s in stack.watcher.seen if s.topic == stack.topic(LEADS_SUBMITTED)}
    return {d.key: (submitted[d.key], d.broker_time_ms) for d in decisions if d.key is not None}


async def burst(stack: Stack, count: int, first_serial: int) -> tuple[float, Latencies]:
    leads = [registration(first_serial + n) for n in range(count)]
    started = time.perf_counter()
    await asyncio.gather(*(stack.publish(LEADS_SUBMITTED, envelope(lead), key=str(lead.lead_id)) for lead in leads))
    times = await decided(stack, leads, within=600)
    elapsed = time.perf_counter() - started
    await spot_check_workflows(stack, leads[:: max(1, count // 10)])
    return count / elapsed, Latencies([done - sent for sent, done in times.values()])


async def steady(stack: Stack, rate: float, seconds: float, first_serial: int) -> tuple[float, Latencies]:
    leads = [registration(first_serial + n) for n in range(int(rate * seconds))]
    loop = asyncio.get_running_loop()
    start = loop.time()
    sends = []
    for n, lead in enumerate(leads):
        await asyncio.sleep(max(0.0, start + n / rate - loop.time()))
        sends.append(asyncio.create_task(stack.publish(LEADS_SUBMITTED, envelope(lead), key=str(lead.lead_id))))
    await asyncio.gather(*sends)
    offered = len(leads) / (loop.time() - start)
    times = await decided(stack, leads, within=600)
    return offered, Latencies([done - sent for sent, done in times.values()])


async def spot_check_workflows(stack: Stack, leads: list[LeadSubmitted]) -> None:
    assert stack.temporal is not None
    settings = stack.settings("registration")
    for lead in leads:
        handle = stack.temporal.get_workflow_handle(settings.workflow_id(LOCK_WORKFLOW_KIND, lead.lead_id))
        await handle.describe()  # raises if the lock workflow was never started


async def kafka_round_trip(stack: Stack, count: int) -> float:
    """Records per second through a bare produce -> consume round trip, submission-sized."""
    topic = f"{stack.prefix}bench.baseline"
    admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA, **kafka_client())
    await admin.start()
    await admin.create_topics([NewTopic(topic, num_partitions=12, replication_factor=1)])
    await admin.close()
    value = envelope(registration(0)).model_dump_json().encode()
    producer = AIOKafkaProducer(bootstrap_servers=KAFKA, acks="all", linger_ms=5, **kafka_client())
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=KAFKA, group_id=f"{topic}.reader", auto_offset_reset="earliest", **kafka_client()
    )
    await producer.start()
    await consumer.start()
    try:
        started = time.perf_counter()
        await asyncio.gather(*(producer.send_and_wait(topic, value, key=str(n).encode()) for n in range(count)))
        received = 0
        while received < count:
            batches = await consumer.getmany(timeout_ms=1000)
            received += sum(len(records) for records in batches.values())
        return count / (time.perf_counter() - started)
    finally:
        await consumer.stop()
        await producer.stop()


async def temporal_starts(stack: Stack, count: int) -> float:
    """Workflow starts per second on a queue nobody polls; the runs time out by themselves."""
    assert stack.temporal is not None
    client, now = stack.temporal, time.time()
    probe = LockInput.model_validate(
        {
            "lock_id": uuid.uuid4(), "lead_id": uuid.uuid4(), "partner_id": "bench", "customer_key": "bench",
            "starts_at": "2026-01-01T00:00:00Z", "expires_at": "2026-04-01T00:00:00Z", "rule_set": "bench",
            "rule_version": 1, "protection": ProtectionRules(),
        }
    )  # fmt: skip
    started = time.perf_counter()
    await asyncio.gather(
        *(
            client.start_workflow(
                LeadLockWorkflow.run,
                probe,
                id=f"{stack.prefix}bench-{now}-{n}",
                task_queue=f"{stack.prefix}bench-idle",
                run_timeout=timedelta(seconds=10),
            )
            for n in range(count)
        )
    )
    return count / (time.perf_counter() - started)


SERVICES = ("registration", "dedup", "qualification")


async def spawn_services(stack: Stack, instances: int) -> list[asyncio.subprocess.Process]:
    """Each service as its own process, configured like deploy/services.sh does; the first instance migrates."""
    processes = []
    port = 18100
    for service in SERVICES:
        for instance in range(1, instances + 1):
            settings = stack.settings(service, instance)
            port += 1
            environment = {
                **os.environ,
                "REFEREE_TOPIC_PREFIX": stack.prefix,
                "REFEREE_INSTANCE_ID": str(instance),
                "REFEREE_DATABASE_URL": settings.database_url,
                "REFEREE_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
                "REFEREE_TEMPORAL_ADDRESS": settings.temporal_address,
                "REFEREE_HTTP_PORT": str(port),
                "REFEREE_OUTBOX_POLL_SECONDS": str(settings.outbox_poll_seconds),
                "REFEREE_LOG_LEVEL": "WARNING",
                "REFEREE_MESSAGE_TRUST": "true" if settings.message_trust else "false",
                "REFEREE_CROSS_CHECKS": "true" if settings.cross_checks else "false",
                "REFEREE_TRUST_DIR": str(settings.trust_dir),
                **kafka_env(service),
            }
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", f"referee_{service}", env=environment, stdout=asyncio.subprocess.DEVNULL
            )
            processes.append(process)
            await healthy(port)
    return processes


async def healthy(port: int) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"http://127.0.0.1:{port}/health")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise SystemExit(f"the service on port {port} did not become healthy")


def cpu_seconds(processes: list[asyncio.subprocess.Process]) -> dict[int, float]:
    """User + system CPU time of each service process so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for process in processes:
        fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        used[process.pid] = (int(fields[11]) + int(fields[12])) / ticks
    return used


async def stop_services(processes: list[asyncio.subprocess.Process]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        await process.wait()


async def burst_rate(arguments: argparse.Namespace, *, trusted: bool) -> float:
    """Accepted decisions per second for one burst on a fresh stack, with message trust on or off."""
    instances = arguments.instances
    stack = Stack(
        new_prefix("bench-trust" if trusted else "bench-open"),
        dict.fromkeys(SERVICES, instances if arguments.in_process else 0),
        overrides={"message_trust": trusted, "cross_checks": trusted},
    )
    await stack.start()
    processes = [] if arguments.in_process else await spawn_services(stack, instances)
    try:
        await burst(stack, 20, first_serial=800_000)  # warm up
        rate, _ = await burst(stack, arguments.burst, first_serial=810_000)
        return rate
    finally:
        await stop_services(processes)
        await stack.stop()


async def trust_cost(arguments: argparse.Namespace) -> None:
    off = await burst_rate(arguments, trusted=False)
    on = await burst_rate(arguments, trusted=True)
    print(f"burst of {arguments.burst}, {arguments.instances} instance(s) of each service")
    # The broker's authentication is the same in both runs (that of the running infrastructure): SCRAM costs a
    # handshake per connection, not per message, so the difference is the signatures and the cross-checks.
    print(f"broker authentication in both runs: {KAFKA_AUTH} (each service logs in as itself)")
    print(f"baseline: signatures off: {off:.1f} accepted decisions/s")
    print(f"signatures on (signed by every producer, verified by every consumer): {on:.1f} accepted decisions/s")
    print(f"ratio on/off: {on / off:.3f}")


async def main(arguments: argparse.Namespace) -> None:
    if arguments.trust_cost:
        await trust_cost(arguments)
        return
    instances = arguments.instances
    in_process = dict.fromkeys(SERVICES, instances if arguments.in_process else 0)
    stack = Stack(new_prefix("bench"), in_process)
    await stack.start()
    processes = [] if arguments.in_process else await spawn_services(stack, instances)
    names = {
        p.pid: service for p, service in zip(processes, [s for s in SERVICES for _ in range(instances)], strict=True)
    }
    try:
        await burst(stack, 20, first_serial=900_000)  # warm up: connections, caches, consumer assignment
        kafka_rate = await kafka_round_trip(stack, arguments.burst)
        temporal_rate = await temporal_starts(stack, arguments.burst)
        before = cpu_seconds(processes)
        accepted_rate, burst_latency = await burst(stack, arguments.burst, first_serial=910_000)
        after = cpu_seconds(processes)
        steady_runs = [
            (rate, *await steady(stack, rate, arguments.seconds, first_serial=920_000 + 100_000 * n))
            for n, rate in enumerate(arguments.rates)
        ]
    finally:
        await stop_services(processes)
        await stack.stop()
    where = "inside the bench process" if arguments.in_process else "as separate processes"
    print(f"instances of registration, dedup and qualification: {instances} each, {where}")
    print(f"baseline: bare Kafka produce->consume round trip: {kafka_rate:.0f} records/s")
    print(f"baseline: bare Temporal workflow starts: {temporal_rate:.0f} starts/s")
    print(
        f"burst of {arguments.burst}: {accepted_rate:.1f} accepted decisions/s end to end "
        f"({accepted_rate / kafka_rate:.3f} x Kafka round trip, {accepted_rate / temporal_rate:.3f} x Temporal starts)"
    )
    print(f"burst latency (submit -> decision): {burst_latency.describe()}")
    if processes:
        spent: dict[str, float] = {}
        for pid, service in names.items():
            spent[service] = spent.get(service, 0.0) + after[pid] - before[pid]
        per = ", ".join(f"{service} {seconds / arguments.burst * 1000:.0f} ms" for service, seconds in spent.items())
        print(f"CPU per accepted registration: {per} (total {sum(spent.values()) / arguments.burst * 1000:.0f} ms)")
    for rate, offered, latency in steady_runs:
        phase = f"steady {rate:g}/s offered ({offered:.1f}/s achieved) for {arguments.seconds:g}s"
        print(f"{phase}: {latency.describe()}")
        if accepted_rate < rate:
            print(
                f"  note: {rate:g}/s is more than the {accepted_rate:.1f}/s this machine decides, so decisions "
                "fall behind and this latency grows with the length of the run"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--burst", type=int, default=600, help="registrations submitted at once")
    parser.add_argument(
        "--rates",
        type=lambda text: [float(rate) for rate in text.split(",")],
        default=[50.0, 5.0],
        help="steady submissions per second, one phase per rate (comma-separated)",
    )
    parser.add_argument("--seconds", type=float, default=30, help="length of the steady phase")
    parser.add_argument("--instances", type=int, default=1, help="instances of each service")
    parser.add_argument("--in-process", action="store_true", help="run the services inside this process")
    parser.add_argument("--trust-cost", action="store_true", help="burst with message signatures off, then on")
    asyncio.run(main(parser.parse_args()))
