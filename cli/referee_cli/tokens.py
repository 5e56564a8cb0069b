"""``referee token``: API tokens for partners, reviewers, arbiters, finance and admins; revoking them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from aiokafka import AIOKafkaProducer

from referee_shared.auth import Role, issue_token
from referee_shared.events.tokens import TokenRevoked
from referee_shared.kafka.security import client_options
from referee_shared.revocation import revocation_record
from referee_shared.settings import ServiceSettings

app = typer.Typer(help="API tokens.", no_args_is_help=True)


@app.command("issue")
def issue(
    subject: Annotated[str, typer.Argument(help="who the token is for, e.g. a user or system name")],
    role: Annotated[Role, typer.Option(help="partner, reviewer, arbiter, finance, admin or channel_manager")],
    partner: Annotated[str | None, typer.Option(help="the partner a partner token acts for")] = None,
    region: Annotated[list[str] | None, typer.Option(help="regions a reviewer covers (repeatable)")] = None,
    hours: Annotated[int, typer.Option(help="validity in hours (at most REFEREE_AUTH_MAX_TOKEN_HOURS)")] = 12,
) -> None:
    """Print a bearer token of the local issuer (its id, for revoking it, is the token's `jti` claim)."""
    settings = ServiceSettings()
    if not settings.auth_secret:
        raise typer.BadParameter("no token secret here: set REFEREE_AUTH_SECRET (or REFEREE_DATA_DIR of the install)")
    if hours > settings.auth_max_token_hours:
        raise typer.BadParameter(f"at most {settings.auth_max_token_hours} hours; services refuse longer tokens")
    try:
        token = issue_token(
            settings.auth_secret,
            subject=subject,
            role=role,
            partner_id=partner,
            regions=region or [],
            now=datetime.now(UTC),
            ttl=timedelta(hours=hours),
            issuer=settings.auth_issuer,
            audience=settings.auth_audience,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    typer.echo(token)


@app.command("revoke")
def revoke(
    token_id: Annotated[str, typer.Argument(help="the `jti` claim of the token to refuse from now on")],
    reason: Annotated[str, typer.Option(help="why, for the record")] = "",
    by: Annotated[str, typer.Option(help="who revokes it")] = "admin-cli",
) -> None:
    """Publish the revocation on auth.revocations; every service refuses the token once it reads it."""
    settings = ServiceSettings()
    revoked = TokenRevoked(token_id=token_id, revoked_by=by, reason=reason, revoked_at=datetime.now(UTC))
    record = revocation_record(revoked, settings.topic_prefix)

    async def publish() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all", **client_options(settings))
        await producer.start()
        try:
            await producer.send_and_wait(record.topic, record.value, key=record.key)
        finally:
            await producer.stop()

    asyncio.run(publish())
    typer.echo(f"revoked {token_id}")
