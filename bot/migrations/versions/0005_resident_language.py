"""resident language

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

Resident.language: what the bot writes in for this resident — ja (standard Japanese),
easy (やさしい日本語) or en (English); bot/flows/language.py chooses it.
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8),
                                      nullable=False, server_default='ja'))


def downgrade() -> None:
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.drop_column('language')
