"""Running a service's Alembic migrations from its own process at start-up."""

from __future__ import annotations

import zlib
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine


def alembic_config(script_location: Path) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    return config


async def upgrade_to_head(engine: AsyncEngine, script_location: Path) -> None:
    """Apply pending migrations; on PostgreSQL an advisory lock keeps two starting instances apart."""
    async with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            lock_key = zlib.crc32(str(script_location).encode())
            await connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": lock_key})
        await connection.run_sync(_upgrade, script_location)
        await connection.commit()
        if engine.dialect.name == "postgresql":
            await connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key})
            await connection.commit()


def _upgrade(connection: Connection, script_location: Path) -> None:
    # Imported here: alembic's command layer loads every dialect's DDL (over a second of a start-up's CPU on a
    # busy machine), needed only by a process that migrates.
    from alembic import command

    config = alembic_config(script_location)
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def head_revisions(script_location: Path) -> set[str]:
    """The revisions the code expects the database to be at."""
    return set(ScriptDirectory.from_config(alembic_config(script_location)).get_heads())


async def applied_revisions(engine: AsyncEngine) -> set[str]:
    """The revisions the database is at (none before the first migration)."""
    async with engine.connect() as connection:
        has_table = await connection.run_sync(lambda sync: sync.dialect.has_table(sync, "alembic_version"))
        if not has_table:
            return set()
        return {row[0] for row in await connection.execute(text("SELECT version_num FROM alembic_version"))}
