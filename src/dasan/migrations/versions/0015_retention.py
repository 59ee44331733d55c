"""retention (M18): how long each kind of data is kept, the purge log, erased citizens, purged messages

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

from dasan.db.base import UTCDateTime


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'retention_policies',
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('days', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('kind', name=op.f('pk_retention_policies')),
    )
    op.create_table(
        'purge_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('reason', sa.String(length=20), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('citizen_id', sa.Integer(), nullable=True),
        sa.Column('removed', sa.JSON(), nullable=False),
        sa.Column('files', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_purge_runs_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_purge_runs')),
    )
    op.create_index(op.f('ix_purge_runs_at'), 'purge_runs', ['at'])
    op.add_column('citizens', sa.Column('erased_at', UTCDateTime(timezone=True), nullable=True))
    op.add_column('messages', sa.Column('purged_at', UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('messages') as b:
        b.drop_column('purged_at')
    with op.batch_alter_table('citizens') as b:
        b.drop_column('erased_at')
    op.drop_table('purge_runs')
    op.drop_table('retention_policies')
