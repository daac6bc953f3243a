"""oauthgrant: an account's OAuth2 tokens, encrypted (issue #19)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 13:30:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

from followup.db.types import UTCDateTime


revision: str = '0011'
down_revision: Union[str, None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'oauthgrant',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=40), nullable=False),
        sa.Column('refresh_token_encrypted', sa.Text(), nullable=True),
        sa.Column('access_token_encrypted', sa.Text(), nullable=True),
        sa.Column('expires_at', UTCDateTime(), nullable=True),
        sa.Column('scope', sa.Text(), server_default='', nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('refreshed_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['account_id'], ['mailaccount.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('account_id'),
    )


def downgrade() -> None:
    op.drop_table('oauthgrant')
