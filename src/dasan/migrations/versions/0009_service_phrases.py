"""services' example phrases: what citizens write when they want the procedure, per language

The bot's procedure recognizer is trained from them (dasan.bot.procedures).

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases (SQLite's batch mode would copy and drop the table,
    # which the cases' foreign keys refuse).
    op.add_column('case_types', sa.Column('phrases', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))


def downgrade() -> None:
    op.drop_column('case_types', 'phrases')
