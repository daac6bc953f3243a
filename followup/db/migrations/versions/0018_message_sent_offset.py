"""message.sent_utc_offset: the writer's offset from UTC in the Date header, in minutes, so
a promise's "Friday" is read in the writer's own calendar (issue #16)

Revision ID: 0018_message_sent_offset
Revises: 0017_message_reply_to
Create Date: 2026-12-03 07:35:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0018_message_sent_offset'
down_revision: Union[str, None] = '0017_message_reply_to'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('message') as batch:
        batch.add_column(sa.Column('sent_utc_offset', sa.SmallInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('message') as batch:
        batch.drop_column('sent_utc_offset')
