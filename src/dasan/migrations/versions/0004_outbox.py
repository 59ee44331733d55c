"""outbox of messages for gateways; SMS opt-out

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

import dasan.db.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", dasan.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", dasan.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("created_at", dasan.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", dasan.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", dasan.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"],
                                name=op.f("fk_outbox_conversation_id_conversations")),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name=op.f("fk_outbox_message_id_messages")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_message_id")),
    )
    op.create_index(op.f("ix_outbox_conversation_id"), "outbox", ["conversation_id"], unique=False)
    op.create_index(op.f("ix_outbox_next_attempt_at"), "outbox", ["next_attempt_at"], unique=False)
    op.create_index(op.f("ix_outbox_status"), "outbox", ["status"], unique=False)
    with op.batch_alter_table("citizens") as b:
        b.add_column(sa.Column("sms_opt_out_at", dasan.db.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("citizens") as b:
        b.drop_column("sms_opt_out_at")
    op.drop_table("outbox")
