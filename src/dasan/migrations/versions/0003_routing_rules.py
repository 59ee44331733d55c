"""routing rules on queues; callback and offers on conversations; presence log

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

import dasan.db.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "presence_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("presence", sa.String(length=20), nullable=False),
        sa.Column("at", dasan.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_presence_log_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presence_log")),
    )
    op.create_index(op.f("ix_presence_log_at"), "presence_log", ["at"], unique=False)
    op.create_index(op.f("ix_presence_log_user_id"), "presence_log", ["user_id"], unique=False)
    with op.batch_alter_table("queues") as b:
        b.add_column(sa.Column("skill_min_level", sa.Integer(), nullable=False, server_default="1"))
        b.add_column(sa.Column("priority", sa.Float(), nullable=False, server_default="0"))
        b.add_column(sa.Column("aging_per_s", sa.Float(), nullable=False, server_default="0"))
        b.add_column(sa.Column("overflow_after_s", sa.Float(), nullable=True))
        b.add_column(sa.Column("overflow_skill", sa.String(length=60), nullable=True))
        b.add_column(sa.Column("callback_after_s", sa.Float(), nullable=True))
        b.add_column(sa.Column("bot_after_s", sa.Float(), nullable=True))
    with op.batch_alter_table("conversations") as b:
        b.add_column(sa.Column("offers_made", sa.String(length=40), nullable=False, server_default=""))
        b.add_column(sa.Column("callback_number", sa.String(length=40), nullable=True))
        b.add_column(sa.Column("wait_s", sa.Float(), nullable=True))
        b.add_column(sa.Column("callback_at", dasan.db.base.UTCDateTime(timezone=True), nullable=True))
        b.create_index(b.f("ix_conversations_queued_at"), ["queued_at"], unique=False)
    # Backfill the answer wait of contacts answered before this revision (portable: in Python).
    conn = op.get_bind()
    conv = sa.table("conversations", sa.column("id", sa.Integer), sa.column("queued_at", dasan.db.base.UTCDateTime()),
                    sa.column("answered_at", dasan.db.base.UTCDateTime()), sa.column("wait_s", sa.Float))
    rows = conn.execute(sa.select(conv.c.id, conv.c.queued_at, conv.c.answered_at).where(
        conv.c.answered_at.is_not(None), conv.c.queued_at.is_not(None))).all()
    for cid, queued_at, answered_at in rows:
        conn.execute(conv.update().where(conv.c.id == cid).values(
            wait_s=max(0.0, (answered_at - queued_at).total_seconds())))


def downgrade() -> None:
    op.drop_table("presence_log")
    with op.batch_alter_table("conversations") as b:
        b.drop_index(b.f("ix_conversations_queued_at"))
        b.drop_column("wait_s")
        b.drop_column("callback_at")
        b.drop_column("callback_number")
        b.drop_column("offers_made")
    with op.batch_alter_table("queues") as b:
        for c in ("bot_after_s", "callback_after_s", "overflow_skill", "overflow_after_s", "aging_per_s", "priority",
                  "skill_min_level"):
            b.drop_column(c)
