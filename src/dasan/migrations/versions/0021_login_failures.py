"""login throttling (issue 18, ASVS 2.2.1): failed logins per account and source address;
login sessions' last use (the idle timeout, ASVS 3.3.2), address and browser (a user's own list)

Revision ID: 0021
Revises: 0020
"""
import sqlalchemy as sa
from alembic import op

from dasan.db.base import UTCDateTime

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'login_failures',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('username', sa.String(80), nullable=False),
        sa.Column('address', sa.String(64), nullable=False),
        sa.Column('cleared', sa.Boolean(), nullable=False),
    )
    op.create_index('ix_login_failures_username', 'login_failures', ['username'])
    op.create_index('ix_login_failures_address', 'login_failures', ['address'])
    op.add_column('login_sessions', sa.Column('last_seen_at', UTCDateTime(timezone=True), nullable=True))
    op.add_column('login_sessions', sa.Column('address', sa.String(64), nullable=False, server_default=''))
    op.add_column('login_sessions', sa.Column('user_agent', sa.String(200), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('login_sessions') as batch:
        batch.drop_column('user_agent')
        batch.drop_column('address')
        batch.drop_column('last_seen_at')
    op.drop_index('ix_login_failures_address', 'login_failures')
    op.drop_index('ix_login_failures_username', 'login_failures')
    op.drop_table('login_failures')
