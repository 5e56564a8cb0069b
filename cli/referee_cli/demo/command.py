"""``referee demo run``: play the three cases against the running services and say where to look."""

from __future__ import annotations

import asyncio
import os

import typer

from referee_shared.settings import ServiceSettings

from .cases import building_materials, industrial_goods, medical_devices
from .client import SERVICE_PORTS, DemoClient
from .partners import seed_partners

app = typer.Typer(help="Play the brief's three industry cases against the running system.", no_args_is_help=True)


async def _play(settings: ServiceSettings) -> None:
    async with DemoClient(settings) as demo:
        await seed_partners(demo)
        await building_materials(demo)
        await medical_devices(demo)
        await industrial_goods(demo)


@app.command("run")
def run() -> None:
    """Needs the system running (`make demo` starts it and then calls this)."""
    settings = ServiceSettings()
    try:
        asyncio.run(_play(settings))
    except TimeoutError:
        typer.secho("no answer from the services in time: see `make status` and .referee/logs/", fg="red", err=True)
        raise typer.Exit(1) from None
    typer.secho("\nThe system keeps running. Where to look:", bold=True)
    ui_port = os.environ.get("TEMPORAL_UI_PORT", "8233")
    typer.echo(f"  Temporal Web UI      http://127.0.0.1:{ui_port}  (lock, review, dispute and settlement workflows)")
    for service, port in SERVICE_PORTS.items():
        typer.echo(f"  {service:<20} http://127.0.0.1:{port}/docs")
    typer.echo("  logs                 .referee/logs/<service>.log")
    typer.echo("  tokens               .venv/bin/referee token issue <name> --role reviewer|arbiter|finance|admin")
    typer.echo("  stop everything      make down")
