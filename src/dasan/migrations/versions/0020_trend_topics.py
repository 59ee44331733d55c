"""topics of a day's or a week's consultations; the bot's notices for emerging issues (M16)

Revision ID: 0020
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op

from dasan.db.base import UTCDateTime

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'trend_topics',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=10), nullable=False),
        sa.Column('start', sa.Date(), nullable=False),
        sa.Column('label', sa.String(length=200), nullable=False),
        sa.Column('terms', sa.JSON(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('conversation_ids', sa.JSON(), nullable=False),
        sa.Column('examples', sa.JSON(), nullable=False),
        sa.Column('articles', sa.JSON(), nullable=False),
        sa.Column('merged_into_id', sa.Integer(), nullable=True),
        sa.Column('built_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['merged_into_id'], ['trend_topics.id'],
                                name=op.f('fk_trend_topics_merged_into_id_trend_topics')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_trend_topics')),
    )
    op.create_index(op.f('ix_trend_topics_start'), 'trend_topics', ['start'])
    op.create_table(
        'bot_notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('alert_id', sa.Integer(), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('terms', sa.JSON(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('until', UTCDateTime(timezone=True), nullable=False),
        sa.Column('ended_at', UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['alert_id'], ['trend_alerts.id'], name=op.f('fk_bot_notices_alert_id_trend_alerts')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_bot_notices_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bot_notices')),
    )
    op.create_index(op.f('ix_bot_notices_until'), 'bot_notices', ['until'])


def downgrade() -> None:
    op.drop_table('bot_notices')
    op.drop_table('trend_topics')
