"""disputes heard on disputes.events and partner channels from partners.registry

Revision ID: 8b3e5f0c2a71
Revises: 4ae1692d3021
Create Date: 2026-12-03 18:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import referee_shared.db.base


revision: str = '8b3e5f0c2a71'
down_revision: str | None = '4ae1692d3021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('disputes_seen',
    sa.Column('dispute_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('parties', sa.JSON(), nullable=False),
    sa.Column('rulings', sa.JSON(), nullable=False),
    sa.Column('updated_at', referee_shared.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('dispute_id')
    )
    op.create_table('partner_channels',
    sa.Column('partner_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('changed_at', referee_shared.db.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('partner_id')
    )


def downgrade() -> None:
    op.drop_table('partner_channels')
    op.drop_table('disputes_seen')
