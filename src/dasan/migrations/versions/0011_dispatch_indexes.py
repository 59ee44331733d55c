"""the dispatcher's line read from an index: (status, queued_at, id) and (status, channel, queued_at)

With only (status), each dispatch round read every waiting contact and sorted them: O(waiting)
work under SQLite's write lock, so intake slowed as a surge's line grew.

Revision ID: 0011
Revises: 0010
"""
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_conversations_line', 'conversations', ['status', 'queued_at', 'id'])
    op.create_index('ix_conversations_status_channel', 'conversations', ['status', 'channel', 'queued_at'])
    op.drop_index('ix_conversations_status', table_name='conversations')  # the first column of the line's


def downgrade() -> None:
    op.create_index('ix_conversations_status', 'conversations', ['status'])
    op.drop_index('ix_conversations_status_channel', table_name='conversations')
    op.drop_index('ix_conversations_line', table_name='conversations')
