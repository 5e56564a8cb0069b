"""``referee settlement``: what finance reads — a deal's statements, and the reconciliation of a period."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo

import typer

from referee_settlement.domain.reconciliation import Reconciliation, to_csv
from referee_settlement.settings import SettlementSettings
from referee_settlement.views.reports import Reports, StatementView
from referee_shared.db.engine import make_engine, make_sessions

app = typer.Typer(help="Settlement statements and reconciliation, for finance.", no_args_is_help=True)
T = TypeVar("T")


def _with_reports(use: Callable[[Reports], Awaitable[T]]) -> T:
    settings = SettlementSettings()

    async def run() -> T:
        engine = make_engine(settings.resolved_database_url())
        try:
            return await use(Reports(make_sessions(engine), ZoneInfo(settings.finance_timezone)))
        finally:
            await engine.dispose()

    return asyncio.run(run())


@app.command("reconcile")
def reconcile(
    period: Annotated[
        str, typer.Option(help="YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD (finance's calendar)")
    ],
    csv: Annotated[
        Path | None, typer.Option(help="also write one row per line to this CSV file ('-': standard output)")
    ] = None,
) -> None:
    """Statements issued in the period against payments: paid, pending, failed, reversed, with totals that balance."""
    try:
        report = _with_reports(lambda reports: reports.reconciliation(period))
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--period") from exc
    if csv is not None and str(csv) == "-":
        sys.stdout.write(to_csv(report))
        return
    typer.echo(render_reconciliation(report))
    if csv is not None:
        csv.write_text(to_csv(report), encoding="utf-8")
        typer.echo(f"\n{len(report.rows)} lines written to {csv}")
    if not report.balanced:
        raise typer.Exit(1)


@app.command("statements")
def statements(deal_id: Annotated[str, typer.Argument(help="the deal, as the ERP names it")]) -> None:
    """A deal's statements, each line with the rule that produced it and its payment state."""
    deal = _with_reports(lambda reports: reports.deal(deal_id))
    if deal is None:
        typer.echo(f"settlement has no deal {deal_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"Deal {deal.deal_id}: {deal.status}, revision {deal.revision}")
    if deal.blocked_reason:
        typer.echo(f"  cannot be settled: {deal.blocked_reason}")
    zone = ZoneInfo(SettlementSettings().finance_timezone)
    for view in deal.statements:
        typer.echo("\n" + render_statement(view, zone))


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def render_statement(view: StatementView, zone: ZoneInfo) -> str:
    issued = f" (issued {view.issued_at.astimezone(zone):%Y-%m-%d %H:%M} {zone})" if view.issued_at else ""
    head = [
        f"Statement {view.statement_id}: {view.kind}, {view.status}{issued}",
        f"  deal {view.deal_id}: {_money(view.deal_amount)} {view.currency}, "
        f"tier {view.tier or '-'}, rules {view.rules}",
    ]
    if view.approved_by:
        head.append(f"  approved by {view.approved_by}" + (f": {view.decision_reason}" if view.decision_reason else ""))
    if view.reverses_statement_id:
        head.append(f"  reverses statement {view.reverses_statement_id}: {view.reason}")
    if view.replaces_statement_id:
        head.append(f"  corrects statement {view.replaces_statement_id}")
    head.extend(f"  note: {note}" for note in view.notes)
    rows = [("party", "channel", "amount", "payment", "line id")]
    why = ["", "  how each line was computed:"]
    for line in view.lines:
        payment = line.payment_status
        if line.failed_attempts:
            payment += f" after {line.failed_attempts} failed attempt{'s' if line.failed_attempts > 1 else ''}"
        if line.payment_reference:
            payment += f" ({line.payment_reference})"
        rows.append((line.party_id, line.channel, _money(line.amount), payment, str(line.line_id)))
        why.append(f"    {line.party_id}: {line.rule}, {line.description}")
    rows.append(("total", "", _money(view.distributable_amount), "", ""))
    return "\n".join([*head, _table(rows, right={2}, indent="  "), *why])


def render_reconciliation(report: Reconciliation) -> str:
    period = report.period
    lines = [
        f"Reconciliation {period.label}: {period.start:%Y-%m-%d %H:%M} to {period.end:%Y-%m-%d %H:%M} "
        f"({period.start.tzinfo}), {report.statements} statements, {len(report.rows)} lines",
        "",
    ]
    b = report.buckets
    summary = [
        ("", "lines", "amount", ""),
        ("issued", str(report.issued.lines), _money(report.issued.amount), "= paid + pending + failed + reversed"),
        *((f"  {bucket.value}", str(t.lines), _money(t.amount), "") for bucket, t in b.items()),
        ("reversals", str(report.reversals.lines), _money(report.reversals.amount), "reversal statements, negative"),
        ("net", "", _money(report.net), "issued + reversals"),
    ]
    lines.append(_table(summary, right={1, 2}))
    if report.reversed_paid.lines:
        lines.append(
            f"\npaid before reversal, to recover: {_money(report.reversed_paid.amount)}; "
            f"recovered so far: {_money(-report.recovered.amount)}"
        )
    lines.append(f"\nbalanced: {'yes' if report.balanced else 'NO'}")
    lines.extend(f"  problem: {problem}" for problem in report.problems)
    detail = [("issued", "deal", "statement", "kind", "party", "amount", "bucket", "payment")]
    zone = period.start.tzinfo
    for row in report.rows:
        payment = row.status.value + (f" ({row.payment_reference})" if row.payment_reference else "")
        detail.append(
            (
                f"{row.issued_at.astimezone(zone):%m-%d %H:%M}",
                row.deal_id,
                str(row.statement_id)[:8],
                row.kind.value,
                row.party_id,
                _money(row.amount),
                row.bucket.value,
                payment,
            )
        )
    lines.extend(["", _table(detail, right={5})])
    return "\n".join(lines)


def _table(rows: Sequence[Sequence[str]], right: set[int], indent: str = "") -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = []
    for row in rows:
        cells = [cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(row)]
        out.append(indent + "  ".join(cells).rstrip())
    return "\n".join(out)
