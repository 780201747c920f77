"""case read mark

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29

Case.read_message_id: the newest message on the case when the person responsible last
had the case page open; resident messages after it are unread (admin/unread.py).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('read_message_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_column('read_message_id')
