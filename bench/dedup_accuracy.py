"""Accuracy of dedup on the labelled set of dedup_data.py, at several sizes of the customer base.

    .venv/bin/python bench/dedup_accuracy.py --existing 20000 200000 --incoming 4000

For each size: precision, recall and F1 of `duplicate` rows, and of `duplicate or possible` rows,
then the errors by kind (which tricks fooled it, which hard negatives got through). A duplicate row
is right when it names the existing customer the incoming one was made from; an incoming duplicate
counts as found (recall) when that customer is among its duplicate or possible rows.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from dedup_data import LabelledSet, labelled_set

from referee_dedup.domain.linking import build_index, link
from referee_dedup.domain.matching import Level, Thresholds
from referee_shared.rules.dedup import DedupRules


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def measure(data: LabelledSet, thresholds: Thresholds, *, show_errors: int) -> None:
    started = time.perf_counter()
    index = build_index(data.existing)
    built = time.perf_counter() - started
    dup_rows = dup_right = any_rows = any_right = 0
    positives = found_dup = found_any = 0
    errors: Counter[str] = Counter()
    examples: list[str] = []
    for item in data.incoming:
        rows = link(index, item.record, thresholds)
        duplicate = next((r for r in rows if r.verdict is Level.DUPLICATE), None)
        if duplicate is not None:
            dup_rows += 1
            dup_right += duplicate.existing_id == item.truth
        any_rows += len(rows)
        any_right += sum(r.existing_id == item.truth for r in rows)
        if item.truth is not None:
            positives += 1
            found_dup += duplicate is not None and duplicate.existing_id == item.truth
            hit = any(r.existing_id == item.truth for r in rows)
            found_any += hit
            if not hit:
                errors[f"missed duplicate ({item.kind})"] += 1
                if len(examples) < show_errors:
                    examples.append(f"  missed {item.record} -> {item.truth}")
        elif duplicate is not None:
            errors[f"false duplicate ({item.kind})"] += 1
            if len(examples) < show_errors:
                examples.append(
                    f"  false duplicate {item.record.name!r} -> {duplicate.existing_id}: {duplicate.reasons}"
                )
    negatives = len(data.incoming) - positives
    dup_p = dup_right / dup_rows if dup_rows else 1.0
    dup_r = found_dup / positives if positives else 1.0
    any_p = any_right / any_rows if any_rows else 1.0
    any_r = found_any / positives if positives else 1.0
    print(
        f"existing={len(data.existing):>8,} incoming={len(data.incoming):,} "
        f"({positives:,} disguised duplicates, {negatives:,} hard negatives); index built in {built:.1f}s"
    )
    print(f"  duplicate            precision={dup_p:.4f} recall={dup_r:.4f} F1={f1(dup_p, dup_r):.4f}")
    print(f"  duplicate-or-possible precision={any_p:.4f} recall={any_r:.4f} F1={f1(any_p, any_r):.4f}")
    for kind, count in errors.most_common(12):
        print(f"    {count:5d}  {kind}")
    for line in examples:
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--existing", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--incoming", type=int, default=4_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show-errors", type=int, default=0, help="print this many wrong answers")
    args = parser.parse_args()
    rules = DedupRules()
    thresholds = Thresholds(rules.duplicate_threshold, rules.possible_threshold)
    print(f"thresholds: duplicate >= {thresholds.duplicate}, possible >= {thresholds.possible} (rule-set defaults)")
    for size in args.existing:
        measure(labelled_set(size, args.incoming, seed=args.seed), thresholds, show_errors=args.show_errors)


if __name__ == "__main__":
    main()
