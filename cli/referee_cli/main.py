"""The operator CLI, ``referee``: one home for every operator command, grouped by concern."""

from __future__ import annotations

import typer

from . import arbitration, board, db, dedup, docs, evidence, figures, infra, partners, rules, settlement, tokens, trust
from .demo import command as demo

app = typer.Typer(help="Referee operator commands.", no_args_is_help=True)
app.add_typer(infra.app, name="infra")
app.add_typer(tokens.app, name="token")
app.add_typer(trust.app, name="trust")
app.add_typer(partners.app, name="partner")
app.add_typer(db.app, name="db")
app.add_typer(docs.app, name="docs")
app.add_typer(demo.app, name="demo")
app.add_typer(dedup.app, name="dedup")
app.add_typer(settlement.app, name="settlement")
app.add_typer(evidence.app, name="evidence")
app.add_typer(arbitration.app, name="arbitration")
app.add_typer(board.app, name="board")
app.add_typer(figures.app, name="figures")
app.add_typer(rules.app, name="rules")
