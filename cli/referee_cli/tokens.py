"""``referee token``: signed API tokens for partners, reviewers, arbiters, finance and admins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from referee_shared.auth import Role, issue_token
from referee_shared.settings import ServiceSettings

app = typer.Typer(help="API tokens.", no_args_is_help=True)


@app.command("issue")
def issue(
    subject: Annotated[str, typer.Argument(help="who the token is for, e.g. a user or system name")],
    role: Annotated[Role, typer.Option(help="partner, reviewer, arbiter, finance or admin")],
    partner: Annotated[str | None, typer.Option(help="the partner a partner token acts for")] = None,
    region: Annotated[list[str] | None, typer.Option(help="regions a reviewer covers (repeatable)")] = None,
    days: Annotated[int, typer.Option(help="validity in days")] = 30,
) -> None:
    """Print a bearer token signed with REFEREE_AUTH_SECRET."""
    try:
        token = issue_token(
            ServiceSettings().auth_secret,
            subject=subject,
            role=role,
            partner_id=partner,
            regions=region or [],
            now=datetime.now(UTC),
            ttl=timedelta(days=days),
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(token)
