"""Speed of dedup at several sizes of the customer base, beside today's matcher before the change and a
brute-force baseline, in the same run.

    .venv/bin/python bench/dedup_speed.py --existing 10000 100000 1000000

The same queries go to: the index now (built from the profiles; and loaded from a saved index file,
its profiles decoded when a query first touches them, as after a restart), the index as it was at
dedup_before.BASELINE (same profiles, same scoring), and brute force.

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

from dedup_before import BASELINE, index_before
from dedup_cache import CACHE, cached_labelled_set

from referee_dedup.domain.index import CustomerIndex
from referee_dedup.domain.matching import Thresholds, find_matches
from referee_dedup.domain.profile import Profile, profile
from referee_dedup.domain.scoring import compare
from referee_dedup.index_file import load_index, save_index


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


def checks(index: object, queries: list[Profile], thresholds: Thresholds) -> list[float]:
    latencies = []
    for query in queries:
        started = time.perf_counter_ns()
        find_matches(index, query, thresholds)  # type: ignore[arg-type]
        latencies.append((time.perf_counter_ns() - started) / 1e6)
    return latencies


def run(size: int, queries: int, brute_sample: int, thresholds: Thresholds) -> None:
    print(f"existing={size:>9,}  load average at start {Path('/proc/loadavg').read_text().split()[:3]}")
    data = cached_labelled_set(size, queries, seed=11)
    incoming = [item.record for item in data.incoming]
    gc.collect()
    before = resident_mib()
    started = time.perf_counter()
    profiles = [profile(record) for record in data.existing]
    normalised = time.perf_counter() - started
    del data
    started = time.perf_counter()
    index = CustomerIndex()
    index.add_all(profiles)
    built = time.perf_counter() - started
    gc.collect()
    memory = resident_mib() - before
    print(
        f"    normalise {normalised:7.1f}s ({normalised / size * 1e6:5.0f} us/customer)  "
        f"index build {built:6.1f}s  memory {memory:7.0f} MiB ({memory * 2**20 / size:5.0f} B/customer)"
    )
    old = index_before()()
    old.add_all(profiles)
    path = CACHE / f"speed-index-{size}.bin"
    save_index(path, index, {"bench": "speed"})
    loaded_index = load_index(path)
    assert loaded_index is not None
    loaded = loaded_index[0]
    query_profiles = [profile(record) for record in incoming]

    def report(name: str, latencies: list[float]) -> float:
        p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
        print(f"    {name:<34} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  max {max(latencies):7.2f} ms")
        return p50

    rounds: dict[str, list[float]] = {"now": [], "loaded": [], "before": []}
    rounds["loaded"] = checks(loaded, query_profiles, thresholds)  # first touches decode profiles
    for _ in range(2):  # alternated, so a busy minute of the machine hits both
        rounds["now"] += checks(index, query_profiles, thresholds)
        rounds["before"] += checks(old, query_profiles, thresholds)
    now = report("now (index built)", rounds["now"])
    report("now (saved index, first touches)", rounds["loaded"])
    was = report(f"before ({BASELINE})", rounds["before"])
    del old, loaded
    gc.collect()

    cores = [p.core for p in profiles]
    brute = []
    for query in query_profiles[:brute_sample]:
        started = time.perf_counter_ns()
        brute_force(query, profiles, cores, thresholds)
        brute.append((time.perf_counter_ns() - started) / 1e6)
    b50 = statistics.median(brute)
    print(
        f"    brute force: p50 {b50:8.2f} ms  p99 {percentile(brute, 0.99):8.2f} ms over a sample of {len(brute):,}"
        f"  ->  index now is {b50 / now:,.0f}x cheaper per check (median); before/now {was / now:.2f}"
    )
    print(f"    load average at end {Path('/proc/loadavg').read_text().split()[:3]}")


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
