"""window overrides

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29

WindowOverride: the admins' edits of a window (hours, phone, description, suspension),
laid over data/resource_directory.yaml (bot/directory/live.py).
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('windowoverride',
    sa.Column('window_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by'], ['staffuser.id'], ),
    sa.PrimaryKeyConstraint('window_id')
    )


def downgrade() -> None:
    op.drop_table('windowoverride')
