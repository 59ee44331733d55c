"""Tables of the organisation: who the city is, who works in it, what they can do."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dasan.core import clock
from dasan.db.base import Base, UTCDateTime


class Role(enum.StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    OFFICIAL = "official"  # department official
    ADMIN = "admin"
    ANALYST = "analyst"


class Presence(enum.StrEnum):
    OFFLINE = "offline"
    AVAILABLE = "available"
    BREAK = "break"
    ACW = "acw"  # after-contact work


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(20))  # city | district | agency
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    # Where its office is (WGS84): a request with coordinates only goes to the nearest district.
    lat: Mapped[float | None] = mapped_column(Float)
    long: Mapped[float | None] = mapped_column(Float)


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")

    organisation: Mapped[Organisation] = relationship()


class LegacyLine(Base):
    """A phone number a department used to publish; the citizen who dials it reaches the one number."""

    __tablename__ = "legacy_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    label: Mapped[str] = mapped_column(String(200), default="")

    department: Mapped[Department] = relationship()


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    locale: Mapped[str] = mapped_column(String(8), default="ko")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


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


class PresenceLog(Base):
    """Every change of an agent's state, append-only: staffed time and occupancy are computed
    from it (reports), and adherence later."""

    __tablename__ = "presence_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    presence: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    reason: Mapped[str] = mapped_column(String(40), default="")
