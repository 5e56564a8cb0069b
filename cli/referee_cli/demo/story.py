"""Printing the demo as a story a channel manager can follow."""

from __future__ import annotations

import typer


def case(title: str) -> None:
    typer.secho(f"\n━━ {title}", bold=True)


def step(text: str) -> None:
    typer.echo(f"  • {text}")


def outcome(text: str, good: bool = True) -> None:
    typer.secho(f"    → {text}", fg=typer.colors.GREEN if good else typer.colors.RED)
