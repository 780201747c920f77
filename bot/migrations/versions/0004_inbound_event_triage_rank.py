"""inbound event triage rank

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

InboundEvent.triage_rank: the order in which a worker that is behind claims events
(0 emergency, 1 high, 2 read and not urgent, 3 not read yet), with its index, and an
index for 'does this resident have an earlier pending event'.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inboundevent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('triage_rank', sa.Integer(), server_default='3', nullable=False))
        batch_op.create_index('ix_inbound_claim', ['status', 'triage_rank', 'id'], unique=False)
        batch_op.create_index('ix_inbound_resident_pending', ['line_user_id', 'status', 'id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inboundevent', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_resident_pending')
        batch_op.drop_index('ix_inbound_claim')
        batch_op.drop_column('triage_rank')
