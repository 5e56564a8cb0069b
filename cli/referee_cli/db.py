"""``referee db``: each service's migrations."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer
from alembic import command

from referee_shared.db.migrate import alembic_config
from referee_shared.services import SERVICE_NAMES, service

app = typer.Typer(help="Database migrations per service.", no_args_is_help=True)


def _migrations(name: str) -> Path:
    if name not in SERVICE_NAMES:
        raise typer.BadParameter(f"unknown service {name!r}; one of {', '.join(SERVICE_NAMES)}")
    return service(name).migrations


@app.command("revision")
def revision(service: str, message: str = typer.Option(..., "-m", help="what the migration changes")) -> None:
    """Autogenerate a migration from the difference between the models and the migrations so far."""
    scratch = Path(tempfile.mkdtemp()) / "scratch.db"
    config = alembic_config(_migrations(service))
    config.set_main_option("sqlalchemy.url", f"sqlite+aiosqlite:///{scratch}")
    command.upgrade(config, "head")
    command.revision(config, message=message, autogenerate=True)


@app.command("upgrade")
def upgrade(service: str, url: str = typer.Option(..., help="SQLAlchemy async URL of the database")) -> None:
    """Apply a service's pending migrations to a database (services also do this when they start)."""
    config = alembic_config(_migrations(service))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "head")
