"""Protection policies per channel, and incidents: contacts ended for abuse (M17)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dasan.core import clock
from dasan.db.base import Base, UTCDateTime


class ProtectPolicy(Base):
    """A channel's rules; the row of channel `*` is the center's default."""

    __tablename__ = "protect_policies"

    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    warnings_before_end: Mapped[int] = mapped_column(Integer, default=2)
    one_strike: Mapped[str] = mapped_column(String(80), default="sexual")  # comma-separated kinds
    recovery_break_min: Mapped[int] = mapped_column(Integer, default=10)
    auto_end: Mapped[bool] = mapped_column(Boolean, default=False)
    offender_incidents: Mapped[int] = mapped_column(Integer, default=2)
    offender_window_days: Mapped[int] = mapped_column(Integer, default=90)
    offender_days: Mapped[int] = mapped_column(Integer, default=30)
    offender_queue: Mapped[str] = mapped_column(String(40), default="")
    notice: Mapped[bool] = mapped_column(Boolean, default=False)


class AbuseIncident(Base):
    """A contact ended for abuse: the agent's care (break, counselling) and the evidence trail."""

    __tablename__ = "abuse_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), unique=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))  # the abuse that ended it (or `protect`: the emergency button)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    break_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    counselling: Mapped[str] = mapped_column(String(20), default="offered")  # offered | accepted | declined | held
    counselling_note: Mapped[str] = mapped_column(Text, default="")
    counselling_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OffenderRestriction(Base):
    """A repeat offender's period: their contacts go to the dedicated team's queue with the warning
    first (the citizen's `restricted_until` / `restricted_queue` carry it to every channel).
    Supervisors lift or extend it; every change is audited."""

    __tablename__ = "offender_restrictions"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    queue: Mapped[str] = mapped_column(String(40), default="")
    incidents: Mapped[int] = mapped_column(Integer, default=0)  # contacts ended for abuse when set or renewed
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    until: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
