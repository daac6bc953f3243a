"""user.session_version, folder.refused_uids, message.classify_error; oauth2_token_cmd as Text

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 03:10:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0006'
down_revision: Union[str, None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('folder', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refused_uids', sa.JSON(), server_default='[]', nullable=False))
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('classify_error', sa.Text(), nullable=True))
    # The encrypted command is longer than the 2000 characters the plain one was allowed.
    with op.batch_alter_table('mailaccount', schema=None) as batch_op:
        batch_op.alter_column('oauth2_token_cmd', type_=sa.Text(), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('mailaccount', schema=None) as batch_op:
        batch_op.alter_column('oauth2_token_cmd', type_=sa.String(length=2000), existing_nullable=True)
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('classify_error')
    with op.batch_alter_table('folder', schema=None) as batch_op:
        batch_op.drop_column('refused_uids')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_version')
