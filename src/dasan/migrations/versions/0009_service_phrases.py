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
    with op.batch_alter_table('case_types') as batch:
        batch.add_column(sa.Column('phrases', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))


def downgrade() -> None:
    with op.batch_alter_table('case_types') as batch:
        batch.drop_column('phrases')
