"""customers store their normalised profile (issue 15: cold start without normalising again)

Revision ID: c15d0ed1a2b3
Revises: 9bf5815ba442
Create Date: 2026-12-03 12:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c15d0ed1a2b3'
down_revision: str | None = '9bf5815ba442'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows written before stay without one: they are normalised on load, as before.
    op.add_column('customers', sa.Column('profile', sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column('customers', 'profile')
