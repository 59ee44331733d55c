"""repeat offenders (M17): the policy's thresholds, restrictions, the citizen's current one; the notice per channel

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

from dasan.db.base import UTCDateTime


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('protect_policies') as b:
        b.add_column(sa.Column('offender_incidents', sa.Integer(), nullable=False, server_default='2'))
        b.add_column(sa.Column('offender_window_days', sa.Integer(), nullable=False, server_default='90'))
        b.add_column(sa.Column('offender_days', sa.Integer(), nullable=False, server_default='30'))
        b.add_column(sa.Column('offender_queue', sa.String(length=40), nullable=False, server_default=''))
        b.add_column(sa.Column('notice', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('citizens') as b:
        b.add_column(sa.Column('restricted_until', UTCDateTime(timezone=True), nullable=True))
        b.add_column(sa.Column('restricted_queue', sa.String(length=40), nullable=False, server_default=''))
    op.create_table(
        'offender_restrictions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('citizen_id', sa.Integer(), nullable=False),
        sa.Column('queue', sa.String(length=40), nullable=False),
        sa.Column('incidents', sa.Integer(), nullable=False),
        sa.Column('since', UTCDateTime(timezone=True), nullable=False),
        sa.Column('until', UTCDateTime(timezone=True), nullable=False),
        sa.Column('lifted_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('lifted_by', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'],
                                name=op.f('fk_offender_restrictions_citizen_id_citizens')),
        sa.ForeignKeyConstraint(['lifted_by'], ['users.id'], name=op.f('fk_offender_restrictions_lifted_by_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_offender_restrictions')),
    )
    op.create_index(op.f('ix_offender_restrictions_citizen_id'), 'offender_restrictions', ['citizen_id'])
    op.create_index(op.f('ix_offender_restrictions_until'), 'offender_restrictions', ['until'])


def downgrade() -> None:
    op.drop_table('offender_restrictions')
    with op.batch_alter_table('citizens') as b:
        b.drop_column('restricted_queue')
        b.drop_column('restricted_until')
    with op.batch_alter_table('protect_policies') as b:
        for col in ('notice', 'offender_queue', 'offender_days', 'offender_window_days', 'offender_incidents'):
            b.drop_column(col)
