"""services in the citizen's other languages: name, attribute questions and values

The bot's procedure dialogue asks in the citizen's language (dasan.bot.procedures); Open311 keeps
the definition's own text.

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN, as in 0009 (SQLite's batch mode would copy and drop the table).
    op.add_column('case_types', sa.Column('translations', sa.JSON(), nullable=False,
                                          server_default=sa.text("'{}'")))


def downgrade() -> None:
    op.drop_column('case_types', 'translations')
