"""``referee dedup``: the dedup engine offline, e.g. to link a customer master before importing it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from referee_dedup.batch import (
    UNIQUE,
    BadRow,
    OutputRow,
    count_rows,
    read_customers,
    rows_of,
    source_stamp,
    write_rows,
)
from referee_dedup.domain.index import CustomerIndex
from referee_dedup.domain.linking import link
from referee_dedup.domain.matching import Thresholds
from referee_dedup.domain.profile import profile
from referee_dedup.domain.reasons_zh import VERDICTS_ZH
from referee_dedup.index_file import load_index, save_index
from referee_shared.rules.dedup import DedupRules
from referee_shared.rules.rulebook import RuleBook, RuleError
from referee_shared.settings import ServiceSettings

app = typer.Typer(help="Duplicate detection offline.", no_args_is_help=True)


@app.command("link")
def link_files(
    existing: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="CSV of known customers")],
    incoming: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="CSV of customers to link")],
    out: Annotated[Path, typer.Option(help="file to write, .csv or .xlsx: a row per link, or `unique`")],
    rule_set: Annotated[str | None, typer.Option(help="take the thresholds of this rule set (newest version)")] = None,
    bom: Annotated[bool, typer.Option(help="CSV with a byte-order mark, so Excel opens it as UTF-8")] = False,
    profiles: Annotated[
        Path | None,
        typer.Option(help="file of the existing customers' saved index: written on the first run, then loaded"),
    ] = None,
) -> None:
    """Link incoming customers to existing ones: every incoming id gets rows (`duplicate` at most once,
    `possible`, `related` for a branch of the same organisation) or one `unique` row."""
    thresholds = _thresholds(rule_set)
    problems: list[BadRow] = []
    console = Console(stderr=True)
    loaded = load_index(profiles, source_stamp(existing)) if profiles is not None else None
    index = loaded[0] if loaded is not None else CustomerIndex()
    if loaded is None:
        with _progress(console) as progress:
            task = progress.add_task("indexing existing customers", total=count_rows(existing))
            for record in read_customers(existing, problems):
                index.add(profile(record))
                progress.advance(task)
            progress.update(task, total=progress.tasks[task].completed)
        if profiles is not None:
            save_index(profiles, index, source_stamp(existing))
    how = f"loaded from {profiles}" if loaded is not None else "normalised"
    console.print(f"indexed {len(index):,} existing customers ({how})", soft_wrap=True)

    verdicts: Counter[str] = Counter()
    incoming_rows = count_rows(incoming)

    def rows() -> Iterator[OutputRow]:
        with _progress(console) as progress:
            task = progress.add_task("linking incoming customers", total=incoming_rows)
            reported = len(problems)
            for record in read_customers(incoming, problems):
                notes = [p.reason for p in problems[reported:] if p.kept]  # reported just before its record
                reported = len(problems)
                found = rows_of(record, link(index, record, thresholds), notes)
                verdicts[_verdict_of(found)] += 1
                yield from found
                progress.advance(task)
            progress.update(task, total=progress.tasks[task].completed)

    written = write_rows(out, rows(), bom=bom)
    _summary(console, out, written, verdicts, problems)


def _verdict_of(rows: list[OutputRow]) -> str:
    """An incoming record's verdict: its strongest row (duplicate, then possible, then related)."""
    for verdict in ("duplicate", "possible", "related"):
        if any(r.verdict == verdict for r in rows):
            return verdict
    return UNIQUE


def _summary(console: Console, out: Path, written: int, verdicts: Counter[str], problems: list[BadRow]) -> None:
    console.print(f"wrote {written:,} rows to {out}", soft_wrap=True)
    console.print("incoming customers by verdict / 按结论统计:")
    for verdict in ("duplicate", "possible", "related", UNIQUE):
        console.print(f"  {verdict:<10} {VERDICTS_ZH[verdict]:<10} {verdicts[verdict]:>9,}")
    skipped = [p for p in problems if not p.kept]
    kept = [p for p in problems if p.kept]
    for problem in problems:
        what = "kept" if problem.kept else "skipped"
        console.print(
            f"{problem.path}:{problem.line}: {what}: {problem.reason}", markup=False, highlight=False, soft_wrap=True
        )
    console.print(f"{len(skipped)} rows skipped, {len(kept)} rows kept with a field ignored (reasons above)")


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def _thresholds(rule_set: str | None) -> Thresholds:
    rules = DedupRules()
    if rule_set is not None:
        try:
            book = RuleBook.load(ServiceSettings().rules_dir)
            rules = max((r for r in book.rule_sets if r.id == rule_set), key=lambda r: r.version).dedup
        except (RuleError, ValueError) as exc:
            raise typer.BadParameter(f"no rule set {rule_set!r}: {exc}") from exc
    return Thresholds(rules.duplicate_threshold, rules.possible_threshold)
