"""keywordmark: what the IMAP write-back put into the user's mailbox, per task and location

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 19:30:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import followup.db.types


revision: str = '0005'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'keywordmark',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=False),
        sa.Column('keyword', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('via', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('flagged', sa.Boolean(), nullable=False),
        sa.Column('set_at', followup.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['mailaccount.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['location_id'], ['messagelocation.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['task_id'], ['followuptask.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('task_id', 'location_id'),
    )
    with op.batch_alter_table('keywordmark', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_keywordmark_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_keywordmark_location_id'), ['location_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_keywordmark_task_id'), ['task_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('keywordmark', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_keywordmark_task_id'))
        batch_op.drop_index(batch_op.f('ix_keywordmark_location_id'))
        batch_op.drop_index(batch_op.f('ix_keywordmark_account_id'))
    op.drop_table('keywordmark')
