"""Labelled sets kept between bench runs: a 1,000,000-customer set takes minutes to generate.

The sets are pickled under ``.referee/cache/dedup-bench/`` (ignored by git), named by their
arguments and by a hash of the generator's source, so a changed generator makes a new set.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from dedup_data import LabelledSet, labelled_set

CACHE = Path(__file__).resolve().parent.parent / ".referee" / "cache" / "dedup-bench"


def _generator_hash() -> str:
    source = (Path(__file__).parent / "dedup_data.py").read_bytes()
    return hashlib.sha256(source).hexdigest()[:12]


def cached_labelled_set(existing: int, incoming: int, *, seed: int) -> LabelledSet:
    """``labelled_set(existing, incoming, seed=seed)``, generated once and then read from the cache."""
    path = CACHE / f"labelled-{existing}-{incoming}-{seed}-{_generator_hash()}.pickle"
    if path.exists():
        with path.open("rb") as cached:
            data: LabelledSet = pickle.load(cached)
        return data
    larger = sorted(
        (int(found.name.split("-")[1]), found)
        for found in CACHE.glob(f"labelled-*-{incoming}-{seed}-{_generator_hash()}.pickle")
        if int(found.name.split("-")[1]) > existing
    )
    if larger:  # the first customers of a larger set are a set of their own (the queries may point past them)
        with larger[0][1].open("rb") as cached:
            bigger: LabelledSet = pickle.load(cached)
        return LabelledSet(bigger.existing[:existing], bigger.incoming)
    started = time.perf_counter()
    data = labelled_set(existing, incoming, seed=seed)
    took = time.perf_counter() - started
    print(f"(generated {existing:,} customers in {took:.0f}s; cached in {path})", file=sys.stderr)
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    with partial.open("wb") as out:
        pickle.dump(data, out, protocol=pickle.HIGHEST_PROTOCOL)
    partial.rename(path)
    return data
