import referee_registration.disputes.store
import referee_registration.figures.store
import referee_registration.inbox.store
import referee_registration.partners.store  # noqa: F401  (registers the partners table)
from referee_registration.store import Base
from referee_shared.db.alembic_env import run_migrations

run_migrations(Base.metadata)
