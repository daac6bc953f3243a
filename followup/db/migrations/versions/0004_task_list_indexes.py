"""followuptask: indexes for the follow-ups page (list order and counts per kind)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 19:15:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('followuptask', schema=None) as batch_op:
        batch_op.create_index('ix_task_owner_list', ['user_id', 'status', sa.text('priority DESC'), 'due_at', 'id'],
                              unique=False)
        batch_op.create_index('ix_task_owner_kind', ['user_id', 'status', 'kind', 'assignee_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('followuptask', schema=None) as batch_op:
        batch_op.drop_index('ix_task_owner_kind')
        batch_op.drop_index('ix_task_owner_list')
