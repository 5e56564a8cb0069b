import referee_registration.inbox.store  # noqa: F401  (registers the inbox table)
from referee_registration.store import Base
from referee_shared.db.alembic_env import run_migrations

run_migrations(Base.metadata)
