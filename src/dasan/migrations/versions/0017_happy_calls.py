"""happy-call surveys of every kind of contact and their catch-calls (M14)

Revision ID: 0017
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

from dasan.db.base import UTCDateTime

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'happy_call_policy',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('share', sa.Float(), nullable=False),
        sa.Column('catch_call_hours', sa.Integer(), nullable=False),
        sa.Column('considered', sa.Integer(), nullable=False),
        sa.Column('sampled', sa.Integer(), nullable=False),
        sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_happy_call_policy')),
    )
    op.create_table(
        'contact_surveys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('citizen_id', sa.Integer(), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=True),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('sent_via', sa.Integer(), nullable=True),
        sa.Column('token', sa.String(length=40), nullable=False),
        sa.Column('sent_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('score', sa.Integer(), nullable=True),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('answered_at', UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_contact_surveys_conversation_id_conversations')),
        sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_contact_surveys_citizen_id_citizens')),
        sa.ForeignKeyConstraint(['agent_id'], ['users.id'], name=op.f('fk_contact_surveys_agent_id_users')),
        sa.ForeignKeyConstraint(['sent_via'], ['conversations.id'], name=op.f('fk_contact_surveys_sent_via_conversations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_surveys')),
        sa.UniqueConstraint('conversation_id', name=op.f('uq_contact_surveys_conversation_id')),
        sa.UniqueConstraint('token', name=op.f('uq_contact_surveys_token')),
    )
    op.create_index(op.f('ix_contact_surveys_citizen_id'), 'contact_surveys', ['citizen_id'])
    op.create_index(op.f('ix_contact_surveys_agent_id'), 'contact_surveys', ['agent_id'])
    op.create_index(op.f('ix_contact_surveys_sent_at'), 'contact_surveys', ['sent_at'])
    op.create_table(
        'catch_calls',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('due_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('done_by_id', sa.Integer(), nullable=True),
        sa.Column('done_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['survey_id'], ['contact_surveys.id'], name=op.f('fk_catch_calls_survey_id_contact_surveys')),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_catch_calls_conversation_id_conversations')),
        sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_catch_calls_done_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_catch_calls')),
        sa.UniqueConstraint('survey_id', name=op.f('uq_catch_calls_survey_id')),
    )
    op.create_index(op.f('ix_catch_calls_conversation_id'), 'catch_calls', ['conversation_id'])
    op.create_index(op.f('ix_catch_calls_due_at'), 'catch_calls', ['due_at'])
    op.create_index(op.f('ix_catch_calls_status'), 'catch_calls', ['status'])


def downgrade() -> None:
    op.drop_table('catch_calls')
    op.drop_table('contact_surveys')
    op.drop_table('happy_call_policy')
