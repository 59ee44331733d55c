"""first-login password change (M1/M18): a user an admin created or gave a new password must
choose their own before anything else; the center's own closed days (M1)

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('users', sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    op.add_column('center_profile', sa.Column('closed_days', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))


def downgrade() -> None:
    op.drop_column('center_profile', 'closed_days')
    op.drop_column('users', 'must_change_password')
