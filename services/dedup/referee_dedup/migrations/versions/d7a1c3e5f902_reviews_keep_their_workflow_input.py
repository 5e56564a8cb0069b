"""reviews keep their workflow's input (issue 12: the review workflow is started after the claim commits)

Revision ID: d7a1c3e5f902
Revises: b0a4d1e2f3c4
Create Date: 2026-12-03 15:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'd7a1c3e5f902'
down_revision: str | None = 'b0a4d1e2f3c4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('reviews', sa.Column('workflow_input', sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column('reviews', 'workflow_input')
