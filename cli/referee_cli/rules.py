"""``referee rules``: rule set versions uploaded while the system runs (through any service's API, which
validates them against the rule schema and publishes them to every instance)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import httpx
import typer

from referee_shared.auth import Role, issue_token
from referee_shared.settings import ServiceSettings

app = typer.Typer(help="Rule set versions.", no_args_is_help=True)
DEFAULT_URL = "http://127.0.0.1:8001"


def _client(url: str, by: str) -> httpx.Client:
    token = issue_token(ServiceSettings().auth_secret, subject=by, role=Role.ADMIN, now=datetime.now(UTC))
    return httpx.Client(base_url=url.rstrip("/"), headers={"Authorization": f"Bearer {token}"}, timeout=30)


@app.command("upload")
def upload(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="the new version, like rules/*.yaml")],
    reason: Annotated[str, typer.Option(help="why the rules change, for the record (10 characters or more)")],
    by: Annotated[str, typer.Option(help="who uploads it")] = "channel-manager-cli",
    url: Annotated[str, typer.Option(help="any Referee service")] = DEFAULT_URL,
) -> None:
    """Schedule a new rule set version; it governs what reaches the broker from its effective_from."""
    with _client(url, by) as client:
        answer = client.post(
            "/admin/rules/versions", json={"document": file.read_text(encoding="utf-8"), "reason": reason}
        )
    if answer.status_code != 201:
        detail = answer.json().get("detail", answer.text) if answer.content else answer.reason_phrase
        for problem in detail if isinstance(detail, list) else [detail]:
            typer.echo(f"refused: {problem}", err=True)
        raise typer.Exit(1)
    version = answer.json()
    typer.echo(f"scheduled {version['ref']} from {version['effective_from']}")


@app.command("list")
def versions(url: Annotated[str, typer.Option(help="any Referee service")] = DEFAULT_URL) -> None:
    """Every version of every rule set, when it takes effect, who uploaded it and why."""
    with _client(url, "channel-manager-cli") as client:
        answer = client.get("/admin/rules/versions")
    answer.raise_for_status()
    for version in answer.json():
        who = f"{version['uploaded_by']}: {version['reason']}" if version["uploaded_by"] else "rule file"
        typer.echo(f"{version['ref']:<28} from {version['effective_from']}  ({who})")
