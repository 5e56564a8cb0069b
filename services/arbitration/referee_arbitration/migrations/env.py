from referee_arbitration.store import Base
from referee_shared.db.alembic_env import run_migrations

run_migrations(Base.metadata)
