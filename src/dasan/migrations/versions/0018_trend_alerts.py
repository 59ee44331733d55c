"""emerging issues the live detector raised (M16)

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op

from dasan.db.base import UTCDateTime

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'trend_alerts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('label', sa.String(length=300), nullable=False),
        sa.Column('terms', sa.JSON(), nullable=False),
        sa.Column('district', sa.String(length=80), nullable=False),
        sa.Column('first_seen', UTCDateTime(timezone=True), nullable=False),
        sa.Column('detected_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('record_ids', sa.JSON(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=True),
        sa.Column('article_title', sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_trend_alerts')),
        sa.UniqueConstraint('key', name=op.f('uq_trend_alerts_key')),
    )
    op.create_index(op.f('ix_trend_alerts_detected_at'), 'trend_alerts', ['detected_at'])


def downgrade() -> None:
    op.drop_table('trend_alerts')
