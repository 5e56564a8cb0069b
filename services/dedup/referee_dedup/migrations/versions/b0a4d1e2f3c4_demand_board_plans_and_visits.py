"""demand board: procurement plans and visits of shared accounts (issue 14)

Revision ID: b0a4d1e2f3c4
Revises: c15d0ed1a2b3
Create Date: 2026-12-03 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import referee_shared.db.base

revision: str = 'b0a4d1e2f3c4'
down_revision: str | None = 'c15d0ed1a2b3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'board_plans',
        sa.Column('plan_id', sa.Uuid(), nullable=False),
        sa.Column('account_key', sa.String(length=80), nullable=False),
        sa.Column('slice', sa.String(length=100), nullable=True),
        sa.Column('partner_id', sa.String(length=64), nullable=False),
        sa.Column('product_line', sa.String(length=64), nullable=False),
        sa.Column('item', sa.String(length=200), nullable=False),
        sa.Column('estimated_amount', sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('expected_on', sa.Date(), nullable=True),
        sa.Column('source', sa.String(length=32), nullable=False),
        sa.Column('notes', sa.String(length=2000), nullable=False),
        sa.Column('recorded_at', referee_shared.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column('rule_set', sa.String(length=64), nullable=False),
        sa.Column('rule_version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('plan_id'),
    )
    op.create_index(op.f('ix_board_plans_account_key'), 'board_plans', ['account_key'], unique=False)
    op.create_table(
        'board_visits',
        sa.Column('visit_id', sa.Uuid(), nullable=False),
        sa.Column('account_key', sa.String(length=80), nullable=False),
        sa.Column('slice', sa.String(length=100), nullable=True),
        sa.Column('partner_id', sa.String(length=64), nullable=False),
        sa.Column('product_line', sa.String(length=64), nullable=False),
        sa.Column('contact', sa.String(length=100), nullable=False),
        sa.Column('contact_key', sa.String(length=100), nullable=False),
        sa.Column('visit_on', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('visited_by', sa.String(length=100), nullable=False),
        sa.Column('notes', sa.String(length=2000), nullable=False),
        sa.Column('recorded_at', referee_shared.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column('done_at', referee_shared.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column('clash_with', sa.JSON(), nullable=False),
        sa.Column('review_task_id', sa.String(length=120), nullable=True),
        sa.Column('rule_set', sa.String(length=64), nullable=False),
        sa.Column('rule_version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('visit_id'),
    )
    op.create_index(op.f('ix_board_visits_account_key'), 'board_visits', ['account_key'], unique=False)
    op.create_index(op.f('ix_board_visits_contact_key'), 'board_visits', ['contact_key'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_board_visits_contact_key'), table_name='board_visits')
    op.drop_index(op.f('ix_board_visits_account_key'), table_name='board_visits')
    op.drop_table('board_visits')
    op.drop_index(op.f('ix_board_plans_account_key'), table_name='board_plans')
    op.drop_table('board_plans')
