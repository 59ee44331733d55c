"""Verify for intake_load.py: how many messages of a run are stored, and whether every ack is.

Usage: verify_intake.py TAG IDS_FILE   (database from DASAN_DATABASE_URL / DASAN_DATA_DIR)
"""

from __future__ import annotations

import json
import sys

from sqlalchemy import func, select

from dasan.config import Settings
from dasan.conversations.models import Message
from dasan.db.engine import make_engine, make_sessionmaker, session_scope


def main() -> None:
    tag, ids_file = sys.argv[1], sys.argv[2]
    acked = {int(line) for line in open(ids_file) if line.strip()}
    engine = make_engine(Settings())
    with session_scope(make_sessionmaker(engine)) as s:
        persisted = s.scalar(select(func.count()).where(Message.external_id.like(f"{tag}-%")))
        found = set()
        ids = sorted(acked)
        for i in range(0, len(ids), 500):
            found.update(s.scalars(select(Message.id).where(Message.id.in_(ids[i:i + 500]))))
        dup = s.scalar(select(func.count()).select_from(
            select(Message.external_id).where(Message.external_id.like(f"{tag}-%"))
            .group_by(Message.external_id).having(func.count() > 1).subquery()))
    engine.dispose()
    print(json.dumps({"persisted": persisted, "ack_missing": len(acked - found), "duplicates": dup}))


if __name__ == "__main__":
    main()
