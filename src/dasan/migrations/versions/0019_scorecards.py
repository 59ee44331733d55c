"""scorecards, evaluations with disputes, calibration rounds, mystery shopping (M14)

Revision ID: 0019
Revises: 0018
"""
import sqlalchemy as sa
from alembic import op

from dasan.db.base import UTCDateTime

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'qa_forms',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('definition', sa.JSON(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_qa_forms_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_forms')),
        sa.UniqueConstraint('code', 'version', name=op.f('uq_qa_forms_code_version')),
    )
    op.create_index(op.f('ix_qa_forms_code'), 'qa_forms', ['code'])
    op.create_table(
        'qa_calibrations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('form_id', sa.Integer(), nullable=False),
        sa.Column('conversation_ids', sa.JSON(), nullable=False),
        sa.Column('evaluator_ids', sa.JSON(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['form_id'], ['qa_forms.id'], name=op.f('fk_qa_calibrations_form_id_qa_forms')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_qa_calibrations_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_calibrations')),
    )
    op.create_table(
        'qa_evaluations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('form_id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=False),
        sa.Column('evaluator_id', sa.Integer(), nullable=False),
        sa.Column('calibration_id', sa.Integer(), nullable=True),
        sa.Column('answers', sa.JSON(), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('critical_failed', sa.Boolean(), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('reason', sa.String(length=20), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('dispute_until', UTCDateTime(timezone=True), nullable=False),
        sa.Column('acknowledged_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('dispute_reason', sa.Text(), nullable=False),
        sa.Column('disputed_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('original_score', sa.Float(), nullable=True),
        sa.Column('resolution_note', sa.Text(), nullable=False),
        sa.Column('resolved_by_id', sa.Integer(), nullable=True),
        sa.Column('resolved_at', UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['form_id'], ['qa_forms.id'], name=op.f('fk_qa_evaluations_form_id_qa_forms')),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                                name=op.f('fk_qa_evaluations_conversation_id_conversations')),
        sa.ForeignKeyConstraint(['agent_id'], ['users.id'], name=op.f('fk_qa_evaluations_agent_id_users')),
        sa.ForeignKeyConstraint(['evaluator_id'], ['users.id'], name=op.f('fk_qa_evaluations_evaluator_id_users')),
        sa.ForeignKeyConstraint(['calibration_id'], ['qa_calibrations.id'],
                                name=op.f('fk_qa_evaluations_calibration_id_qa_calibrations')),
        sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_qa_evaluations_resolved_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_evaluations')),
        sa.UniqueConstraint('conversation_id', 'evaluator_id', 'calibration_id',
                            name=op.f('uq_qa_evaluations_conversation_id_evaluator_id_calibration_id')),
    )
    for col in ('form_id', 'conversation_id', 'agent_id', 'evaluator_id', 'calibration_id', 'created_at', 'status'):
        op.create_index(op.f(f'ix_qa_evaluations_{col}'), 'qa_evaluations', [col])
    op.create_table(
        'qa_mystery_scenarios',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('script', sa.Text(), nullable=False),
        sa.Column('expected_answer', sa.Text(), nullable=False),
        sa.Column('form_id', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['form_id'], ['qa_forms.id'], name=op.f('fk_qa_mystery_scenarios_form_id_qa_forms')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_qa_mystery_scenarios_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_mystery_scenarios')),
    )
    op.create_table(
        'qa_mystery_assignments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scenario_id', sa.Integer(), nullable=False),
        sa.Column('shopper_id', sa.Integer(), nullable=False),
        sa.Column('due_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('answers', sa.JSON(), nullable=True),
        sa.Column('score', sa.Float(), nullable=True),
        sa.Column('critical_failed', sa.Boolean(), nullable=False),
        sa.Column('answer_correct', sa.Boolean(), nullable=True),
        sa.Column('contact_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('completed_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['scenario_id'], ['qa_mystery_scenarios.id'],
                                name=op.f('fk_qa_mystery_assignments_scenario_id_qa_mystery_scenarios')),
        sa.ForeignKeyConstraint(['shopper_id'], ['users.id'], name=op.f('fk_qa_mystery_assignments_shopper_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_mystery_assignments')),
    )
    for col in ('scenario_id', 'shopper_id', 'status', 'completed_at'):
        op.create_index(op.f(f'ix_qa_mystery_assignments_{col}'), 'qa_mystery_assignments', [col])


def downgrade() -> None:
    op.drop_table('qa_mystery_assignments')
    op.drop_table('qa_mystery_scenarios')
    op.drop_table('qa_evaluations')
    op.drop_table('qa_calibrations')
    op.drop_table('qa_forms')
