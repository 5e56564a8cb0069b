"""``referee board``: the demand board (动态需求看板) of shared accounts, as a given role or partner sees it.

It reads dedup's database directly (like ``referee evidence``), through the same read model the API uses,
so what it prints for ``--partner`` is exactly what that partner's portal may read: never another
partner's amounts, notes or staff.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

if TYPE_CHECKING:
    from referee_dedup.domain.board import Viewer
    from referee_dedup.views.board import BoardReader

app = typer.Typer(help="The demand board: shared accounts' procurement plans and visits.", no_args_is_help=True)

DatabaseOption = Annotated[
    str | None, typer.Option(help="dedup's SQLAlchemy async URL (default: from REFEREE_* settings)")
]
PartnerOption = Annotated[str | None, typer.Option(help="see it as this partner sees it")]
RoleOption = Annotated[str, typer.Option(help="see it as: admin, arbiter, reviewer or partner (with --partner)")]
RegionOption = Annotated[list[str] | None, typer.Option("--region", help="a reviewer's region (repeatable)")]
JsonOption = Annotated[bool, typer.Option("--json", help="JSON instead of the readable rendering")]

T = TypeVar("T")


@app.command("list")
def list_boards(
    partner: PartnerOption = None,
    role: RoleOption = "admin",
    region: RegionOption = None,
    as_json: JsonOption = False,
    database_url: DatabaseOption = None,
) -> None:
    """The boards the viewer may see, with their plans, this week's visits and clashes."""

    from referee_dedup.views.board_text import render_accounts

    async def work(reader: BoardReader) -> str:
        found = await reader.accounts(_viewer(role, partner, region))
        return "[" + ",".join(a.model_dump_json() for a in found) + "]" if as_json else render_accounts(found)

    typer.echo(_run(database_url, work))


@app.command("show")
def show(
    customer_key: Annotated[str, typer.Argument(help="the account's customer key")],
    partner: PartnerOption = None,
    role: RoleOption = "admin",
    region: RegionOption = None,
    as_json: JsonOption = False,
    database_url: DatabaseOption = None,
) -> None:
    """One account's board; exit 2 when there is none, or the viewer may not see it."""

    from referee_dedup.views.board_text import render_board

    async def work(reader: BoardReader) -> str | None:
        found = await reader.board(_viewer(role, partner, region), customer_key)
        if found is None:
            return None
        return found.model_dump_json(indent=2) if as_json else render_board(found)

    text = _run(database_url, work)
    if text is None:
        typer.echo(f"no board for {customer_key} that this viewer may see", err=True)
        raise typer.Exit(2)
    typer.echo(text)


def _viewer(role: str, partner: str | None, regions: list[str] | None) -> Viewer:
    from referee_dedup.domain.board import Viewer

    if partner is not None:
        return Viewer("partner", partner)
    if role == "partner":
        raise typer.BadParameter("name the --partner to see the board as")
    if role not in ("admin", "arbiter", "reviewer"):
        raise typer.BadParameter("role is one of admin, arbiter, reviewer, partner")
    return Viewer(role, regions=tuple(regions or ()))


def _run(database_url: str | None, work: Callable[[BoardReader], Awaitable[T]]) -> T:
    # Imported here, not at the top: `referee --help` need not load dedup's normaliser and the database.
    from referee_dedup.settings import DedupSettings
    from referee_dedup.store import messaging
    from referee_dedup.views.board import BoardReader
    from referee_shared.clock import SystemClock
    from referee_shared.db.engine import make_engine, make_sessions
    from referee_shared.outbox import Transactions

    async def main() -> T:
        engine = make_engine(database_url or DedupSettings().resolved_database_url())
        transactions = Transactions(
            make_sessions(engine), messaging, producer="referee-cli", topic_prefix="", clock=SystemClock()
        )
        try:
            return await work(BoardReader(transactions))
        finally:
            await engine.dispose()

    return asyncio.run(main())
