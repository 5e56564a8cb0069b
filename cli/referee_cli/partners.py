"""``referee partner``: the partner registry (channel, regions, status, who may act for a partner), over HTTP."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Annotated, Any

import httpx
import typer

from referee_shared.auth import Role, issue_token
from referee_shared.events.common import Channel
from referee_shared.settings import ServiceSettings

app = typer.Typer(help="The partner registry (changes are recorded in the evidence trail).", no_args_is_help=True)


def _client(admin: str) -> httpx.Client:
    base = os.environ.get("REFEREE_REGISTRATION_URL", f"http://127.0.0.1:{os.environ.get('REGISTRATION_PORT', '8001')}")
    token = issue_token(ServiceSettings().auth_secret, subject=admin, role=Role.ADMIN, now=datetime.now(UTC))
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=15)


def _answer(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        typer.secho(f"{response.status_code}: {response.text}", fg="red", err=True)
        raise typer.Exit(1)
    return response.json()


def _show(record: dict[str, Any]) -> None:
    regions = "、".join(record["regions"]) or "any region"
    producers = ", ".join(record["producers"]) or "any registered portal"
    typer.echo(
        f"{record['partner_id']:<20} {record['channel']:<7} {record['status']:<10} {record['name']}  "
        f"[{regions}] via {producers}"
    )


@app.command("list")
def list_partners(admin: Annotated[str, typer.Option(help="your name, recorded as the actor")] = "admin") -> None:
    with _client(admin) as client:
        for record in _answer(client.get("/partners")):
            _show(record)


@app.command("put")
def put(
    partner_id: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option()],
    channel: Annotated[Channel, typer.Option()],
    region: Annotated[
        list[str] | None, typer.Option(help="a province it may register in (repeatable); none = any")
    ] = None,
    producer: Annotated[list[str] | None, typer.Option(help="a producer id that acts for it (repeatable)")] = None,
    suspended: Annotated[bool, typer.Option(help="suspend it: its registrations are refused")] = False,
    admin: Annotated[str, typer.Option(help="your name, recorded as the actor")] = "admin",
) -> None:
    """Create or change a partner's record."""
    record = {
        "partner_id": partner_id,
        "name": name,
        "channel": channel.value,
        "regions": region or [],
        "status": "suspended" if suspended else "active",
        "producers": producer or [],
    }
    with _client(admin) as client:
        _show(_answer(client.put(f"/partners/{partner_id}", json=record)))
