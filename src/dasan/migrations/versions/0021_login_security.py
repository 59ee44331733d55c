"""login throttling (issue 18, ASVS 2.2.1): failed logins per account and source address;
login sessions' last use (the idle timeout, ASVS 3.3.2), address and browser (a user's own list);
the second factor (TOTP, recovery codes) and a login waiting for it; integration tokens' expiry
and last use; webhook secrets' rotation and last use

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
    op.add_column('login_sessions', sa.Column('pending_factor', sa.Boolean(), nullable=False,
                                              server_default=sa.false()))
    op.add_column('users', sa.Column('totp_secret', sa.String(300), nullable=True))
    op.add_column('users', sa.Column('totp_pending', sa.String(300), nullable=True))
    op.add_column('users', sa.Column('totp_last_step', sa.Integer(), nullable=True))
    op.add_column('users', sa.Column('second_factor_due', UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        'recovery_codes',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('code_hash', sa.String(64), nullable=False),
        sa.Column('used_at', UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_recovery_codes_user_id', 'recovery_codes', ['user_id'])
    op.add_column('api_tokens', sa.Column('expires_at', UTCDateTime(timezone=True), nullable=True))
    op.add_column('api_tokens', sa.Column('last_used_at', UTCDateTime(timezone=True), nullable=True))
    op.add_column('api_tokens', sa.Column('last_used_address', sa.String(64), nullable=False, server_default=''))
    op.add_column('webhook_sources', sa.Column('previous_secret', sa.String(100), nullable=True))
    op.add_column('webhook_sources', sa.Column('previous_until', UTCDateTime(timezone=True), nullable=True))
    op.add_column('webhook_sources', sa.Column('rotated_at', UTCDateTime(timezone=True), nullable=True))
    op.add_column('webhook_sources', sa.Column('last_used_at', UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('webhook_sources') as batch:
        for column in ('last_used_at', 'rotated_at', 'previous_until', 'previous_secret'):
            batch.drop_column(column)
    with op.batch_alter_table('api_tokens') as batch:
        for column in ('last_used_address', 'last_used_at', 'expires_at'):
            batch.drop_column(column)
    op.drop_index('ix_recovery_codes_user_id', 'recovery_codes')
    op.drop_table('recovery_codes')
    with op.batch_alter_table('users') as batch:
        for column in ('second_factor_due', 'totp_last_step', 'totp_pending', 'totp_secret'):
            batch.drop_column(column)
    with op.batch_alter_table('login_sessions') as batch:
        batch.drop_column('pending_factor')
        batch.drop_column('user_agent')
        batch.drop_column('address')
        batch.drop_column('last_seen_at')
    op.drop_index('ix_login_failures_address', 'login_failures')
    op.drop_index('ix_login_failures_username', 'login_failures')
    op.drop_table('login_failures')
