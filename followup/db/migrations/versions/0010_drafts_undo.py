"""drafttext: a user's own wording of drafted follow-ups (issue #17)

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-02 07:00:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

from followup.db.types import UTCDateTime


revision: str = '0010'
down_revision: Union[str, None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'drafttext',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=10), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'language', 'kind'),
    )
    op.create_index(op.f('ix_drafttext_user_id'), 'drafttext', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_drafttext_user_id'), table_name='drafttext')
    op.drop_table('drafttext')
