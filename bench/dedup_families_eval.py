"""Accuracy of dedup per family of how records are really written (dedup_families.py), at several sizes.

    .venv/bin/python bench/dedup_families_eval.py --existing 20000 200000 --per-family 200

For each size and family: how many incoming records, recall of ``duplicate`` (the right customer as
the duplicate row) and of ``duplicate or possible``; for hard negatives, how many were wrongly called
a duplicate (or possible); for branches, how many got ``related`` naming their group. Then the
overall precision of ``duplicate`` rows and recall of ``duplicate or possible``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from dedup_families import NEGATIVE_FAMILIES, POSITIVE_FAMILIES, FamilySet, family_set

from referee_dedup.domain.linking import build_index, link
from referee_dedup.domain.matching import Thresholds
from referee_shared.rules.dedup import DedupRules


def measure(data: FamilySet, thresholds: Thresholds, *, show_errors: str | None) -> None:
    started = time.perf_counter()
    index = build_index(data.existing)
    built = time.perf_counter() - started
    count: Counter[str] = Counter()
    dup: Counter[str] = Counter()
    found: Counter[str] = Counter()
    false_dup: Counter[str] = Counter()
    false_any: Counter[str] = Counter()
    related: Counter[str] = Counter()
    dup_rows = dup_right = 0
    shown = 0
    for item in data.incoming:
        rows = link(index, item.record, thresholds)
        family = item.kind
        count[family] += 1
        duplicate = next((r for r in rows if r.verdict.value == "duplicate"), None)
        if duplicate is not None:
            dup_rows += 1
            dup_right += duplicate.existing_id == item.truth
        if item.truth is not None:
            dup[family] += duplicate is not None and duplicate.existing_id == item.truth
            hit = any(r.existing_id == item.truth and r.verdict.value in ("duplicate", "possible") for r in rows)
            found[family] += hit
            if not hit and show_errors == family and shown < 8:
                shown += 1
                print(
                    f"    missed {item.record} -> {item.truth}: {[(r.existing_id, r.verdict, r.reasons) for r in rows]}"
                )
        else:
            false_dup[family] += duplicate is not None
            false_any[family] += any(r.verdict.value in ("duplicate", "possible") for r in rows)
            group = data.related.get(item.record.key)
            related[family] += group is not None and any(
                r.verdict.value == "related" and r.existing_id == group for r in rows
            )
            if (duplicate is not None) and show_errors == family and shown < 8:
                shown += 1
                print(f"    false {item.record.name!r} -> {duplicate.existing_id}: {duplicate.reasons}")
    positives = sum(count[f] for f in POSITIVE_FAMILIES)
    print(
        f"existing={len(data.existing):,} incoming={len(data.incoming):,} ({positives:,} duplicates); "
        f"index built in {built:.1f}s"
    )
    print(f"  {'family':<15} {'n':>5} {'dup recall':>11} {'dup|poss recall':>16}")
    for family in POSITIVE_FAMILIES:
        n = count[family] or 1
        print(f"  {family:<15} {count[family]:>5} {dup[family] / n:>11.3f} {found[family] / n:>16.3f}")
    print(f"  {'hard negative':<15} {'n':>5} {'false dup':>11} {'false dup|poss':>16} {'related':>8}")
    for family in NEGATIVE_FAMILIES:
        n = count[family] or 1
        print(
            f"  {family:<15} {count[family]:>5} {false_dup[family] / n:>11.3f} {false_any[family] / n:>16.3f}"
            f" {related[family] / n:>8.3f}"
        )
    precision = dup_right / dup_rows if dup_rows else 1.0
    recall = sum(found.values()) / positives if positives else 1.0
    print(f"  precision of duplicate {precision:.4f}; recall of duplicate-or-possible {recall:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--existing", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--per-family", type=int, default=200)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--show-errors", help="print a few errors of this family")
    args = parser.parse_args()
    rules = DedupRules()
    thresholds = Thresholds(rules.duplicate_threshold, rules.possible_threshold)
    print(f"thresholds: duplicate >= {thresholds.duplicate}, possible >= {thresholds.possible} (rule-set defaults)")
    for size in args.existing:
        measure(family_set(size, args.per_family, seed=args.seed), thresholds, show_errors=args.show_errors)


if __name__ == "__main__":
    main()
