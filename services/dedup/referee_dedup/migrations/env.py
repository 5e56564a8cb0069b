from referee_dedup import board_store  # noqa: F401  (the board's tables join Base.metadata)
from referee_dedup.store import Base
from referee_shared.db.alembic_env import run_migrations

run_migrations(Base.metadata)
