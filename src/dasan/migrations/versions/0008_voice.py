"""voice: menus, numbers, prompts, SIP accounts, call records

Revision ID: 0008
Revises: 0007

"""
from alembic import op
import sqlalchemy as sa
import dasan.db.base


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sip_accounts',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('ha1', sa.String(length=64), nullable=False),
    sa.Column('issued_at', dasan.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sip_accounts_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_sip_accounts')),
    sa.UniqueConstraint('username', name=op.f('uq_sip_accounts_username'))
    )
    op.create_table('voice_menus',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('tree', sa.JSON(), nullable=False),
    sa.Column('updated_at', dasan.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_voice_menus_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voice_menus')),
    sa.UniqueConstraint('code', name=op.f('uq_voice_menus_code'))
    )
    op.create_table('voice_prompts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('duration_s', sa.Float(), nullable=False),
    sa.Column('uploaded_at', dasan.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_voice_prompts_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voice_prompts'))
    )
    op.create_table('voice_calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sip_call_id', sa.String(length=200), nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('from_number', sa.String(length=64), nullable=False),
    sa.Column('to_number', sa.String(length=64), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=True),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('menu_path', sa.String(length=200), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('started_at', dasan.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('queued_at', dasan.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('connected_at', dasan.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', dasan.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('announced_wait_s', sa.Float(), nullable=True),
    sa.Column('recording_path', sa.String(length=300), nullable=False),
    sa.Column('recording_s', sa.Float(), nullable=False),
    sa.Column('prompts_played', sa.JSON(), nullable=False),
    sa.Column('hold_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['users.id'], name=op.f('fk_voice_calls_agent_id_users')),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_voice_calls_conversation_id_conversations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voice_calls')),
    sa.UniqueConstraint('sip_call_id', name=op.f('uq_voice_calls_sip_call_id'))
    )
    with op.batch_alter_table('voice_calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voice_calls_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_voice_calls_outcome'), ['outcome'], unique=False)
        batch_op.create_index(batch_op.f('ix_voice_calls_started_at'), ['started_at'], unique=False)

    op.create_table('voice_numbers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('menu_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('legacy_line_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['legacy_line_id'], ['legacy_lines.id'], name=op.f('fk_voice_numbers_legacy_line_id_legacy_lines')),
    sa.ForeignKeyConstraint(['menu_id'], ['voice_menus.id'], name=op.f('fk_voice_numbers_menu_id_voice_menus')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voice_numbers')),
    sa.UniqueConstraint('number', name=op.f('uq_voice_numbers_number'))
    )
    with op.batch_alter_table('voice_numbers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voice_numbers_menu_id'), ['menu_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('voice_numbers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voice_numbers_menu_id'))

    op.drop_table('voice_numbers')
    with op.batch_alter_table('voice_calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voice_calls_started_at'))
        batch_op.drop_index(batch_op.f('ix_voice_calls_outcome'))
        batch_op.drop_index(batch_op.f('ix_voice_calls_conversation_id'))

    op.drop_table('voice_calls')
    op.drop_table('voice_prompts')
    op.drop_table('voice_menus')
    op.drop_table('sip_accounts')
