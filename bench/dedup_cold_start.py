"""Cold start of dedup: normalising every customer again, against loading the profile stored with it.

    .venv/bin/python bench/dedup_cold_start.py --existing 100000 1000000

For each size, in the same run: the time to normalise every customer (``profile()``, what a start
did before profiles were stored), the time to decode the stored profiles from the JSON text the
database returns (``json.loads`` + ``profile_codec.decode``, what a start does now), the ratio per
customer, and the time to build the index from the profiles, which both starts share.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from dedup_data import labelled_set

from referee_dedup.domain.index import CustomerIndex
from referee_dedup.domain.profile import profile
from referee_dedup.domain.profile_codec import decode, encode


def run(size: int) -> None:
    records = labelled_set(size, 0, seed=5).existing
    gc.collect()
    started = time.perf_counter()
    profiles = [profile(r) for r in records]
    normalised = time.perf_counter() - started
    stored = [json.dumps(encode(p), ensure_ascii=False) for p in profiles]  # as the customers.profile column
    gc.collect()
    started = time.perf_counter()
    loaded = [decode(json.loads(text), r.key, r.name, r.lat, r.lon) for text, r in zip(stored, records, strict=True)]
    decoded = time.perf_counter() - started
    assert loaded == profiles
    started = time.perf_counter()
    index = CustomerIndex()
    index.add_all(p for p in loaded if p is not None)
    built = time.perf_counter() - started
    per_n, per_d = normalised / size * 1e6, decoded / size * 1e6
    print(
        f"existing={size:>9,}  normalise {normalised:7.1f}s ({per_n:6.1f} us/customer)  "
        f"load stored {decoded:6.1f}s ({per_d:5.1f} us/customer)  -> {per_n / per_d:4.1f}x faster per customer;  "
        f"index build {built:6.1f}s;  start before {normalised + built:6.1f}s, now {decoded + built:6.1f}s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--existing", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    for size in args.existing:
        run(size)
        gc.collect()


if __name__ == "__main__":
    main()
