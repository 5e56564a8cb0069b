"""``referee figures``: the outcome figures' read model (in the registration service's database)."""

from __future__ import annotations

import asyncio

import typer

from referee_registration.figures.rebuild import rebuild as rebuild_figures
from referee_registration.settings import RegistrationSettings

app = typer.Typer(help="The outcome figures (conflict rate, disputes, cycle time, ...).", no_args_is_help=True)


@app.command("rebuild")
def rebuild() -> None:
    """Empty the figures and fold every event again from offset 0 of each topic (REFEREE_* settings)."""
    replayed = asyncio.run(rebuild_figures(RegistrationSettings()))
    for topic, count in replayed.records.items():
        typer.echo(f"{topic}: {count} record(s)")
    for reason in replayed.skipped:
        typer.echo(f"skipped {reason}", err=True)
    typer.echo(f"figures rebuilt; {len(replayed.skipped)} record(s) could not be folded")
