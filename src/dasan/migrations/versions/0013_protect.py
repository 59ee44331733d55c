"""protection of agents (M17): policies per channel, incidents, timed breaks

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

from dasan.db.base import UTCDateTime


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'protect_policies',
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('warnings_before_end', sa.Integer(), nullable=False),
        sa.Column('one_strike', sa.String(length=80), nullable=False),
        sa.Column('recovery_break_min', sa.Integer(), nullable=False),
        sa.Column('auto_end', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('channel', name=op.f('pk_protect_policies')),
    )
    op.create_table(
        'abuse_incidents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('citizen_id', sa.Integer(), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=True),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('warnings', sa.Integer(), nullable=False),
        sa.Column('ended_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('break_until', UTCDateTime(timezone=True), nullable=True),
        sa.Column('counselling', sa.String(length=20), nullable=False),
        sa.Column('counselling_note', sa.Text(), nullable=False),
        sa.Column('counselling_at', UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['agent_id'], ['users.id'], name=op.f('fk_abuse_incidents_agent_id_users')),
        sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_abuse_incidents_citizen_id_citizens')),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                                name=op.f('fk_abuse_incidents_conversation_id_conversations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_abuse_incidents')),
        sa.UniqueConstraint('conversation_id', name=op.f('uq_abuse_incidents_conversation_id')),
    )
    op.create_index(op.f('ix_abuse_incidents_agent_id'), 'abuse_incidents', ['agent_id'])
    op.create_index(op.f('ix_abuse_incidents_citizen_id'), 'abuse_incidents', ['citizen_id'])
    op.create_index(op.f('ix_abuse_incidents_ended_at'), 'abuse_incidents', ['ended_at'])
    op.add_column('agent_status', sa.Column('break_until', UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('agent_status') as batch:
        batch.drop_column('break_until')
    op.drop_table('abuse_incidents')
    op.drop_table('protect_policies')
