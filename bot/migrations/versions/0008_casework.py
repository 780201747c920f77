"""casework: consent method, 多機関協働, labels, own canned replies

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29

Consent: how (line / phone / in_person) and by whom staff recorded it; Case: the
多機関協働 flag and its agencies; Label and CaseLabel: labels on cases; CannedReply: an
owner (None = shared) and a "/" shortcut.
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('label',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('caselabel',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('label_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.ForeignKeyConstraint(['label_id'], ['label.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staffuser.id'], ),
    sa.PrimaryKeyConstraint('case_id', 'label_id')
    )
    with op.batch_alter_table('caselabel', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_caselabel_label_id'), ['label_id'], unique=False)

    with op.batch_alter_table('cannedreply', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('shortcut', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_cannedreply_owner_id'), ['owner_id'], unique=False)
        batch_op.create_foreign_key('fk_cannedreply_owner_id', 'staffuser', ['owner_id'], ['id'])

    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tamokan_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('tamokan_agencies', sa.JSON(), nullable=True))

    with op.batch_alter_table('consent', schema=None) as batch_op:
        # earlier rows were all answers in the chat
        batch_op.add_column(sa.Column('method', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default='line'))
        batch_op.add_column(sa.Column('staff_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('case_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key('fk_consent_staff_id', 'staffuser', ['staff_id'], ['id'])
        batch_op.create_foreign_key('fk_consent_case_id', 'case', ['case_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_constraint('fk_consent_case_id', type_='foreignkey')
        batch_op.drop_constraint('fk_consent_staff_id', type_='foreignkey')
        batch_op.drop_column('recorded_at')
        batch_op.drop_column('case_id')
        batch_op.drop_column('staff_id')
        batch_op.drop_column('method')

    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_column('tamokan_agencies')
        batch_op.drop_column('tamokan_at')

    with op.batch_alter_table('cannedreply', schema=None) as batch_op:
        batch_op.drop_constraint('fk_cannedreply_owner_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_cannedreply_owner_id'))
        batch_op.drop_column('shortcut')
        batch_op.drop_column('owner_id')

    with op.batch_alter_table('caselabel', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_caselabel_label_id'))

    op.drop_table('caselabel')
    op.drop_table('label')
