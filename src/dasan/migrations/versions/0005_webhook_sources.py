"""signed webhook sources

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

import dasan.db.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=15), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("callback_url", sa.String(length=500), nullable=False),
        sa.Column("reply_window_h", sa.Integer(), nullable=False),
        sa.Column("created_at", dasan.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_sources")),
        sa.UniqueConstraint("platform", name=op.f("uq_webhook_sources_platform")),
    )
    with op.batch_alter_table("conversations") as b:
        b.add_column(sa.Column("reply_by", dasan.db.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as b:
        b.drop_column("reply_by")
    op.drop_table("webhook_sources")
