"""center profile; one phone identity per citizen; district offices' coordinates

Creates `center_profile` (the center as data) and rewrites every phone identity to E.164 with
the one normaliser (`dasan.core.phone`). Citizens the old rule (digits only) split — "+82 10-…",
"8210…" and "010-…" — are merged into the oldest of them: their conversations, consultation
records, cases and other identities move to it, nothing is deleted but the duplicate citizen
rows and the duplicate phone identities themselves.

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa
import dasan.db.base

from dasan.config import Settings
from dasan.core.phone import try_normalize


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('center_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('holiday_subdiv', sa.String(length=10), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('names', sa.JSON(), nullable=False),
    sa.Column('short_names', sa.JSON(), nullable=False),
    sa.Column('office_open', sa.String(length=5), nullable=False),
    sa.Column('office_close', sa.String(length=5), nullable=False),
    sa.Column('sms_sender', sa.String(length=20), nullable=False),
    sa.Column('email_from', sa.String(length=200), nullable=False),
    sa.Column('updated_at', dasan.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_center_profile'))
    )
    with op.batch_alter_table('organisations') as batch:
        batch.add_column(sa.Column('lat', sa.Float(), nullable=True))
        batch.add_column(sa.Column('long', sa.Float(), nullable=True))
    merge_phone_identities(op.get_bind(), Settings().center_country)


def merge_phone_identities(conn, country: str) -> dict[int, int]:
    """Rewrite phone identities to E.164 and merge the citizens they reveal to be one person.
    Returns {merged citizen id: surviving citizen id}."""
    meta = sa.MetaData()
    ident = sa.Table('citizen_identities', meta, sa.Column('id', sa.Integer), sa.Column('citizen_id', sa.Integer),
                     sa.Column('kind', sa.String), sa.Column('value', sa.String))
    citizens = sa.Table('citizens', meta, sa.Column('id', sa.Integer), sa.Column('display_name', sa.String),
                        sa.Column('phone', sa.String), sa.Column('email', sa.String),
                        sa.Column('sms_opt_out_at', dasan.db.base.UTCDateTime(timezone=True)))
    owners = [sa.Table(name, meta, sa.Column('citizen_id', sa.Integer))
              for name in ('conversations', 'consultation_records', 'cases')]
    rows = conn.execute(sa.select(ident.c.id, ident.c.citizen_id, ident.c.value)
                        .where(ident.c.kind == 'phone').order_by(ident.c.id)).all()
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(try_normalize(row.value, country) or row.value, []).append(row)
    # Union-find over citizens: a citizen with two phone identities can join two groups.
    parent: dict[int, int] = {}

    def find(c: int) -> int:
        while parent.get(c, c) != c:
            c = parent[c]
        return c

    for members in groups.values():
        roots = sorted({find(m.citizen_id) for m in members})
        for r in roots[1:]:
            parent[r] = roots[0]
    merged = {c: find(c) for c in list(parent) if find(c) != c}
    for gone, keep in merged.items():
        for table in owners:
            conn.execute(table.update().where(table.c.citizen_id == gone).values(citizen_id=keep))
        conn.execute(ident.update().where(ident.c.citizen_id == gone).values(citizen_id=keep))
        old = conn.execute(sa.select(citizens).where(citizens.c.id == gone)).one()
        new = conn.execute(sa.select(citizens).where(citizens.c.id == keep)).one()
        fill = {col: getattr(old, col) for col in ('display_name', 'email', 'phone')
                if not getattr(new, col) and getattr(old, col)}
        # An opt-out any of them sent is honoured (texting someone who said stop is the worse error).
        outs = [t for t in (old.sms_opt_out_at, new.sms_opt_out_at) if t is not None]
        if outs:
            fill['sms_opt_out_at'] = max(outs)
        if fill:
            conn.execute(citizens.update().where(citizens.c.id == keep).values(**fill))
        conn.execute(citizens.delete().where(citizens.c.id == gone))
    for value, members in groups.items():
        keep_row = members[0]
        extra = [m.id for m in members[1:]]
        if extra:
            conn.execute(ident.delete().where(ident.c.id.in_(extra)))
        if keep_row.value != value:
            conn.execute(ident.update().where(ident.c.id == keep_row.id).values(value=value))
    for cid, phone in conn.execute(sa.select(citizens.c.id, citizens.c.phone).where(citizens.c.phone != '')).all():
        e164 = try_normalize(phone, country)
        if e164 and e164 != phone:
            conn.execute(citizens.update().where(citizens.c.id == cid).values(phone=e164))
    return merged


def downgrade() -> None:
    # Merged citizens stay merged: splitting one person again would invent a distinction.
    with op.batch_alter_table('organisations') as batch:
        batch.drop_column('long')
        batch.drop_column('lat')
    op.drop_table('center_profile')
