"""user.contact_pace: nudge a contact with enough history when they are late by their own
pace rather than after the fixed threshold; on by default (issue #16)

Revision ID: 0016_contact_pace
Revises: 0014
Create Date: 2026-12-03 06:50:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0016_contact_pace'
down_revision: Union[str, None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('user') as batch:
        batch.add_column(sa.Column('contact_pace', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table('user') as batch:
        batch.drop_column('contact_pace')
