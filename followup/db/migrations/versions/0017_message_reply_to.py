"""message.reply_to_addr: the Reply-To address, for web-form leads (issue #16)

A contact-form notification comes from a no-reply or form address with the prospect in
Reply-To; detection reads the prospect from this column (followup.domain.addresses.form_sender).

Revision ID: 0017_message_reply_to
Revises: 0016_contact_pace
Create Date: 2026-12-03 06:30:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0017_message_reply_to'
down_revision: Union[str, None] = '0016_contact_pace'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('message') as batch:
        batch.add_column(sa.Column('reply_to_addr', sa.String(length=320), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('message') as batch:
        batch.drop_column('reply_to_addr')
