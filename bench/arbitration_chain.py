"""How long arbitration takes to verify a customer's evidence chain itself, beside a baseline in the same run.

    .venv/bin/python bench/arbitration_chain.py --records 100 1000 10000

For each trail length it seals a trail the way registration does (SHA-256 over the canonical JSON of
each record and the previous hash), then times ``check_chain`` on it: parse of the bundle as received
(JSON → pydantic), recomputation of every hash and link. The baseline is the least any verifier
must do: SHA-256 over the same canonical bytes, already serialised (so the baseline is flattered).
Times are medians of several runs; the ratio compares the two medians measured in the same run.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from uuid import uuid4

from referee_arbitration.adapters.evidence import EvidenceBundle, TrailRecord, TrailVerification
from referee_arbitration.domain.chain import GENESIS, canonical_json, check_chain, hashed_fields, record_hash

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def sealed_bundle(records: int) -> str:
    chain, trail, previous = f"cust-{uuid4().hex[:10]}", [], GENESIS
    for seq in range(1, records + 1):
        record = TrailRecord(
            record_id=str(uuid4()),
            seq=seq,
            recorded_at=START + timedelta(hours=seq),
            actor="dealer-hangzhou" if seq % 3 else "registration",
            kind="activity",
            lead_id=str(uuid4()),
            content={"kind": "visit", "summary": f"follow-up number {seq} with the purchasing manager 采购经理"},
            rule_set="building-materials",
            rule_version=1,
            prev_hash=previous,
            hash="",
        )
        record = record.model_copy(update={"hash": record_hash(chain, record)})
        trail.append(record)
        previous = record.hash
    bundle = EvidenceBundle(
        chain=chain,
        generated_at=START,
        digest=previous,
        verification=TrailVerification(intact=True, checked=records, head_hash=previous),
        records=trail,
    )
    return bundle.model_dump_json()


def verify(received: str) -> None:
    assert check_chain(EvidenceBundle.model_validate_json(received)).intact


def baseline(documents: list[bytes]) -> None:
    for document in documents:
        hashlib.sha256(document).hexdigest()


def median_seconds(action: Callable[[], None], repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        began = time.perf_counter()
        action()
        timings.append(time.perf_counter() - began)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    print(f"{'records':>8} {'check_chain':>12} {'baseline':>10} {'ratio':>7} {'per record':>11}")
    for records in args.records:
        received = sealed_bundle(records)
        parsed = EvidenceBundle.model_validate_json(received)
        documents = [canonical_json(hashed_fields(parsed.chain, r)) for r in parsed.records]
        ours = median_seconds(partial(verify, received), args.repeats)
        floor = median_seconds(partial(baseline, documents), args.repeats)
        per_record = ours / records * 1e6
        print(f"{records:>8} {ours * 1000:>10.1f}ms {floor * 1000:>8.2f}ms {ours / floor:>6.1f}x {per_record:>9.1f}µs")


if __name__ == "__main__":
    main()
