"""team.complaint_round_robin: complaints are shared round robin only when a lead turns
team triage on; by default the mailbox owner owns them (issue #16)

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-02 13:55:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0013'
down_revision: Union[str, None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('team') as batch:
        batch.add_column(sa.Column('complaint_round_robin', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('team') as batch:
        batch.drop_column('complaint_round_robin')
