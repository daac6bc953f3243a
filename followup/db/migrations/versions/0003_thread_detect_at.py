"""thread.detect_at: when detection must look at a thread again without new mail

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 19:00:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import followup.db.types


revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('thread', schema=None) as batch_op:
        batch_op.add_column(sa.Column('detect_at', followup.db.types.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_thread_detect_at'), ['detect_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('thread', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_thread_detect_at'))
        batch_op.drop_column('detect_at')
