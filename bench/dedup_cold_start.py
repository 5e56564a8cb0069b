"""Cold start of dedup at 1,000,000 customers: normalising, building, saving and loading the index.

    .venv/bin/python bench/dedup_cold_start.py --existing 1000000 --sample 20000

In one run, on the same records (the labelled set of dedup_data.py, cached by dedup_cache.py):

1. Normalisation per record, before (``profile`` at dedup_before.BASELINE, imported from git) and
   now, alternated twice on the same ``--sample`` records: the ratio is what changed.
2. Normalising all customers now, and building the index: what the first ``referee dedup link``
   run and a service start without a saved index do.
3. Saving the index (``index_file.save_index``), and a fresh process that loads it and answers its
   first check: what a service restart and a later ``dedup link --profiles`` run do.
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from dedup_before import BASELINE, profile_before
from dedup_cache import CACHE, cached_labelled_set

from referee_dedup.domain.index import CustomerIndex
from referee_dedup.domain.profile import profile
from referee_dedup.index_file import save_index

FRESH_START = """
import resource, sys, time
started = time.perf_counter()
from referee_dedup.domain.matching import Thresholds, find_matches
from referee_dedup.domain.profile import CustomerRecord, profile
from referee_dedup.index_file import load_index
imported = time.perf_counter()
index, stamp = load_index(__import__("pathlib").Path(sys.argv[1]))
loaded = time.perf_counter()
query = profile(CustomerRecord("probe", "杭州滨江建设有限公司", phone="0571-88888888", province="浙江省"))
find_matches(index, query, Thresholds(0.92, 0.75))
ready = time.perf_counter()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{imported - started:.1f} {loaded - imported:.1f} {ready - loaded:.2f}", end=" ")
print(f"{ready - started:.1f} {rss:.0f} {len(index)}")
"""


def per_record(records: list, normalise: object, rounds: int = 2) -> list[float]:  # type: ignore[type-arg]
    timings = []
    for _ in range(rounds):
        gc.collect()
        started = time.perf_counter()
        for record in records:
            normalise(record)  # type: ignore[operator]
        timings.append((time.perf_counter() - started) / len(records) * 1e6)
    return timings


def uptime() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


def run(size: int, sample: int) -> None:
    print(f"load average (1, 5, 15 min) at start: {uptime()}")
    records = cached_labelled_set(size, 2000, seed=11).existing
    before = profile_before()
    chosen = records[:: max(1, len(records) // sample)][:sample]
    before(chosen[0]), profile(chosen[0])  # tables loaded once per process, not per record
    timings = {"before": [], "now": []}
    for _ in range(2):
        timings["before"] += per_record(chosen, before, 1)
        timings["now"] += per_record(chosen, profile, 1)
    b, n = min(timings["before"]), min(timings["now"])
    print(
        f"normalisation per record on {len(chosen):,} records (best of 2, alternated): before ({BASELINE}) "
        f"{b:.1f} us, now {n:.1f} us -> {b / n:.1f}x faster   "
        f"[all rounds: before {timings['before']}, now {timings['now']}]"
    )
    gc.collect()
    started = time.perf_counter()
    profiles = [profile(r) for r in records]
    normalised = time.perf_counter() - started
    started = time.perf_counter()
    index = CustomerIndex()
    index.add_all(profiles)
    built = time.perf_counter() - started
    print(
        f"existing={size:,}: normalise all {normalised:.1f}s ({normalised / size * 1e6:.1f} us/customer), "
        f"index build {built:.1f}s -> first run without a saved index: {normalised + built:.1f}s"
    )
    del profiles
    gc.collect()
    path = CACHE / f"index-{size}.bin"
    started = time.perf_counter()
    save_index(path, index, {"bench": size})
    saved = time.perf_counter() - started
    print(f"save index {saved:.1f}s ({path.stat().st_size / 2**20:.0f} MiB); load average now {uptime()}")
    del index, records
    gc.collect()
    for attempt in (1, 2):
        out = subprocess.run(
            [sys.executable, "-c", FRESH_START, str(path)], check=True, capture_output=True, text=True
        ).stdout.split()
        imports, load, first, total, rss, count = out
        print(
            f"fresh process #{attempt}: imports {imports}s, load saved index {load}s ({int(count):,} customers), "
            f"first check {first}s -> ready {total}s after start; peak memory {rss} MiB; load average {uptime()}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--existing", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--sample", type=int, default=20_000, help="records timed before and now")
    args = parser.parse_args()
    for size in args.existing:
        run(size, args.sample)
        gc.collect()


if __name__ == "__main__":
    main()
