"""Retention settings per kind of data, and the log of what each purge removed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dasan.core import clock
from dasan.db.base import Base, UTCDateTime


class RetentionPolicy(Base):
    """How long one kind of data is kept (`days` None: until a citizen's erasure)."""

    __tablename__ = "retention_policies"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    days: Mapped[int | None] = mapped_column(Integer)


class PurgeRun(Base):
    """One purge or erasure: what it removed, per kind (counts, never the data)."""

    __tablename__ = "purge_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    reason: Mapped[str] = mapped_column(String(20))  # retention | erasure
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the scheduled job
    citizen_id: Mapped[int | None] = mapped_column(Integer)  # the citizen erased
    removed: Mapped[dict] = mapped_column(JSON, default=dict)  # {kind: count}
    files: Mapped[int] = mapped_column(Integer, default=0)
