"""Routing's tables: service lines (queues) with their rules, skills and agents' proficiencies,
agents' live state and the append-only log of its changes."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dasan.core import clock
from dasan.db.base import Base, UTCDateTime


class Presence(enum.StrEnum):
    OFFLINE = "offline"
    AVAILABLE = "available"
    BREAK = "break"
    ACW = "acw"  # after-contact work


class Queue(Base):
    """A service line: general, a foreign language, sign-language video, …"""

    __tablename__ = "queues"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120), default="")
    # An agent needs this skill to be offered contacts of the queue (None: any agent).
    skill_code: Mapped[str | None] = mapped_column(String(60))
    skill_min_level: Mapped[int] = mapped_column(Integer, default=1)  # minimum proficiency (1–5)
    sl_seconds: Mapped[int] = mapped_column(Integer, default=15)
    sl_target_pct: Mapped[int] = mapped_column(Integer, default=80)
    # Routing rules (routing.engine.QueueSpec): priority with aging, overflow to a wider pool,
    # callback and bot offers after a wait. None: the rule is off.
    priority: Mapped[float] = mapped_column(Float, default=0.0)
    aging_per_s: Mapped[float] = mapped_column(Float, default=0.0)
    overflow_after_s: Mapped[float | None] = mapped_column(Float)
    overflow_skill: Mapped[str | None] = mapped_column(String(60))
    callback_after_s: Mapped[float | None] = mapped_column(Float)
    bot_after_s: Mapped[float | None] = mapped_column(Float)


class Skill(Base):
    """A language (ko, en, …, ksl = Korean Sign Language) or a topic an agent can serve."""

    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # language | topic
    name: Mapped[str] = mapped_column(String(120))


class AgentSkill(Base):
    __tablename__ = "agent_skills"
    __table_args__ = (UniqueConstraint("user_id", "skill_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"))
    proficiency: Mapped[int] = mapped_column(Integer, default=3)  # 1 (basic) … 5 (expert)

    skill: Mapped[Skill] = relationship()


class AgentStatus(Base):
    """An agent's live state; stored, not held in memory, so every server process sees it."""

    __tablename__ = "agent_status"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    presence: Mapped[str] = mapped_column(String(20), default=Presence.OFFLINE)
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    max_chats: Mapped[int] = mapped_column(Integer, default=3)
    # When the agent last became free; the longest-idle eligible agent is offered first.
    idle_since: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # a break the agent cannot leave early (recovery after an abusive contact); ended by the dispatcher
    break_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PresenceLog(Base):
    """Every change of an agent's state, append-only: staffed time and occupancy are computed
    from it (reports), and adherence later."""

    __tablename__ = "presence_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    presence: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    reason: Mapped[str] = mapped_column(String(40), default="")
