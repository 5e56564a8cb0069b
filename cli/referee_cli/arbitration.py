"""``referee arbitration``: read a dispute's case file and the dispute figures from the running service."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

import httpx
import typer

from referee_shared.auth import Role, issue_token
from referee_shared.settings import ServiceSettings

app = typer.Typer(help="Disputes: case files and figures.", no_args_is_help=True)

# The same variable deploy/services.sh starts the service with.
DEFAULT_URL = f"http://127.0.0.1:{os.environ.get('ARBITRATION_PORT', '8004')}"
Url = Annotated[str, typer.Option(help="arbitration's HTTP address")]
As = Annotated[str, typer.Option("--as", help="the arbiter the request is made as")]


def _get(url: str, path: str, subject: str, params: dict[str, str] | None = None) -> httpx.Response:
    settings = ServiceSettings()
    token = issue_token(
        settings.auth_secret,
        subject=subject,
        role=Role.ARBITER,
        now=datetime.now(UTC),
        issuer=settings.auth_issuer,
        audience=settings.auth_audience,
    )
    response = httpx.get(f"{url}{path}", params=params, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    if response.status_code != httpx.codes.OK:
        raise typer.BadParameter(f"{response.status_code}: {response.text}")
    return response


@app.command("case")
def case(dispute_id: UUID, url: Url = DEFAULT_URL, subject: As = "hq-cli") -> None:
    """Print one dispute's case file as an arbiter reads it: claim, evidence chain, verdicts, steps, rulings."""
    typer.echo(_get(url, f"/disputes/{dispute_id}/case-file", subject).text, nl=False)


@app.command("figures")
def figures(
    period: Annotated[str, typer.Option(help="day, week or month")] = "month",
    since: Annotated[str | None, typer.Option(help="first day, YYYY-MM-DD")] = None,
    until: Annotated[str | None, typer.Option(help="last day, YYYY-MM-DD")] = None,
    url: Url = DEFAULT_URL,
    subject: As = "hq-cli",
) -> None:
    """Disputes opened, refused, escalated, resolved, median hours to ruling, conflict rate; by region and channel."""
    params = {"period": period} | ({"since": since} if since else {}) | ({"until": until} if until else {})
    header = f"{'period':10} {'region':8} {'channel':8} {'opened':>6} {'refused':>7} {'escal.':>6} {'resolved':>8} "
    typer.echo(header + f"{'accepted':>8} {'median h':>8} {'conflict':>8}")
    for row in _get(url, "/disputes/figures", subject, params).json():
        median = row["median_hours_to_ruling"] or "-"
        rate = row["conflict_rate"] or "-"
        typer.echo(
            f"{row['period']:10} {row['region']:8} {row['channel']:8} {row['opened']:>6} {row['refused']:>7} "
            f"{row['escalated']:>6} {row['resolved']:>8} {row['accepted_registrations']:>8} {median:>8} {rate:>8}"
        )
