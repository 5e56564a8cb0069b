"""``referee rules``: rule set versions uploaded while the system runs (through any service's API, which
validates them against the rule schema and publishes them to every instance), and what-if: a draft tried
on the last months of history (through registration's API) before it is uploaded or takes effect."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

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


@app.command("what-if")
def what_if(
    version: Annotated[str, typer.Option(help="a draft file like rules/*.yaml, or an uploaded version id@version")],
    months: Annotated[int, typer.Option(min=1, max=36, help="how many months of history to replay")] = 6,
    lang: Annotated[str, typer.Option(help="zh_CN (default) or en")] = "zh_CN",
    csv: Annotated[Path | None, typer.Option(help="also save the changed decisions as CSV (UTF-8 with BOM)")] = None,
    xlsx: Annotated[Path | None, typer.Option(help="also save the changed decisions as xlsx")] = None,
    by: Annotated[str, typer.Option(help="who runs it")] = "channel-manager-cli",
    url: Annotated[str, typer.Option(help="the registration service")] = DEFAULT_URL,
) -> None:
    """Try a draft rule set version on the last N months: which decisions, locks, figures and settlement
    amounts would differ. Nothing in the running system changes."""
    draft = Path(version)
    body: dict[str, object] = {"months": months}
    if draft.is_file():
        body["document"] = draft.read_text(encoding="utf-8")
    else:
        body["ref"] = version
    with _client(url, by) as client:
        started = client.post("/admin/rules/what-if", json=body)
        if started.status_code != 202:
            detail = started.json().get("detail", started.text) if started.content else started.reason_phrase
            for problem in detail if isinstance(detail, list) else [detail]:
                typer.echo(f"refused: {problem}", err=True)
            raise typer.Exit(1)
        run = f"/admin/rules/what-if/{started.json()['run_id']}"
        state = _follow(client, run)
        if state["stage"] != "done":
            typer.echo(f"what-if failed: {state['error']}", err=True)
            raise typer.Exit(1)
        typer.echo(client.get(f"{run}/report.txt", params={"lang": lang}).text, nl=False)
        for path, kind in ((csv, "csv"), (xlsx, "xlsx")):
            if path is not None:
                path.write_bytes(client.get(f"{run}/changes.{kind}", params={"lang": lang}).content)
                typer.echo(f"saved {path}", err=True)


def _follow(client: httpx.Client, run: str) -> dict[str, Any]:
    """Poll the run, drawing its progress on stderr, until it is done or failed."""
    with typer.progressbar(length=1000, label="what-if", file=sys.stderr) as bar:
        shown = 0
        while True:
            state: dict[str, Any] = client.get(run).json()
            reached = int(state["progress"] * 1000)
            bar.update(reached - shown)
            shown = reached
            if state["stage"] in ("done", "failed"):
                return state
            time.sleep(0.3)
