"""Speed of dedup at several sizes of the customer base, beside a brute-force baseline in the same run.

    .venv/bin/python bench/dedup_speed.py --existing 10000 100000 1000000

For each size it prints: the time to normalise the customers and to build the index from their
profiles, the memory the profiles and the index take (resident set growth), and the latency of one
check (normalise the incoming customer, fetch candidates from the index, score them) as p50/p99
over the queries. The baseline is the brute force a simple implementation would do: rapidfuzz's C
loop (``process.extract``) comparing the incoming name with every existing name, then the same
field scoring of its best ten. Its normalisation is done beforehand and not counted, so the
baseline is flattered. At large sizes brute force runs on a sample of the queries (the sample size
is printed); the ratio compares medians measured on the same machine in the same run.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).parent))

from dedup_data import labelled_set

from referee_dedup.domain.index import CustomerIndex
from referee_dedup.domain.matching import Thresholds, find_matches
from referee_dedup.domain.profile import Profile, profile
from referee_dedup.domain.scoring import compare


def resident_mib() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * 4096 / 2**20


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def brute_force(query: Profile, profiles: list[Profile], cores: list[str], thresholds: Thresholds) -> int:
    best = process.extract(query.core, cores, scorer=fuzz.ratio, limit=10, score_cutoff=60)
    scores = [compare(query, profiles[position]).score for _, _, position in best]
    return sum(score >= thresholds.possible for score in scores)


def run(size: int, queries: int, brute_sample: int, thresholds: Thresholds) -> None:
    data = labelled_set(size, queries, seed=11)
    gc.collect()
    before = resident_mib()
    started = time.perf_counter()
    profiles = [profile(record) for record in data.existing]
    normalised = time.perf_counter() - started
    started = time.perf_counter()
    index = CustomerIndex()
    index.add_all(profiles)
    built = time.perf_counter() - started
    gc.collect()
    memory = resident_mib() - before

    latencies = []
    for item in data.incoming:
        started = time.perf_counter_ns()
        find_matches(index, profile(item.record), thresholds)
        latencies.append((time.perf_counter_ns() - started) / 1e6)

    cores = [p.core for p in profiles]
    sample = [profile(item.record) for item in data.incoming[:brute_sample]]
    brute = []
    for query in sample:
        started = time.perf_counter_ns()
        brute_force(query, profiles, cores, thresholds)
        brute.append((time.perf_counter_ns() - started) / 1e6)

    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    b50 = statistics.median(brute)
    print(
        f"existing={size:>9,}  normalise {normalised:7.1f}s ({normalised / size * 1e6:5.0f} us/customer)  "
        f"index build {built:6.1f}s  memory {memory:7.0f} MiB ({memory * 2**20 / size:5.0f} B/customer)"
    )
    print(
        f"    check: p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  max {max(latencies):6.2f} ms over {len(latencies):,} checks"
    )
    print(
        f"    brute force: p50 {b50:8.2f} ms  p99 {percentile(brute, 0.99):8.2f} ms over a sample of {len(brute):,}"
        f"  ->  index is {b50 / p50:,.0f}x cheaper per check (median)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--existing", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--brute-sample", type=int, default=200, help="queries timed by brute force (per size)")
    args = parser.parse_args()
    thresholds = Thresholds(0.92, 0.75)
    for size in args.existing:
        sample = args.brute_sample if size <= 100_000 else max(20, args.brute_sample // 5)
        run(size, args.queries, sample, thresholds)
        gc.collect()


if __name__ == "__main__":
    main()
