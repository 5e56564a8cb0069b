"""``referee dedup``: the dedup engine offline, e.g. to link a customer master before importing it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from referee_dedup.batch import BadRow, read_customers, write_links
from referee_dedup.domain.linking import Link, build_index, link
from referee_dedup.domain.matching import Thresholds
from referee_shared.rules.dedup import DedupRules
from referee_shared.rules.rulebook import RuleBook, RuleError
from referee_shared.settings import ServiceSettings

app = typer.Typer(help="Duplicate detection offline.", no_args_is_help=True)


@app.command("link")
def link_files(
    existing: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="CSV of known customers")],
    incoming: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="CSV of customers to link")],
    out: Annotated[Path, typer.Option(help="CSV to write: incoming_id,existing_id,verdict,score,reasons")],
    rule_set: Annotated[str | None, typer.Option(help="take the thresholds of this rule set (newest version)")] = None,
) -> None:
    """Link incoming customers to existing ones: at most one `duplicate` row per incoming id, and `possible` rows."""
    thresholds = _thresholds(rule_set)
    problems: list[BadRow] = []
    started = time.perf_counter()
    index = build_index(read_customers(existing, problems))
    typer.echo(f"indexed {len(index):,} existing customers in {time.perf_counter() - started:.1f}s", err=True)

    def links() -> Iterator[Link]:
        for record in read_customers(incoming, problems):
            yield from link(index, record, thresholds)

    written = write_links(out, links())
    for problem in problems:
        typer.echo(f"{problem.path}:{problem.line}: skipped: {problem.reason}", err=True)
    typer.echo(f"wrote {written:,} links to {out} ({len(problems)} rows skipped)", err=True)


def _thresholds(rule_set: str | None) -> Thresholds:
    rules = DedupRules()
    if rule_set is not None:
        try:
            book = RuleBook.load(ServiceSettings().rules_dir)
            rules = max((r for r in book.rule_sets if r.id == rule_set), key=lambda r: r.version).dedup
        except (RuleError, ValueError) as exc:
            raise typer.BadParameter(f"no rule set {rule_set!r}: {exc}") from exc
    return Thresholds(rules.duplicate_threshold, rules.possible_threshold)
