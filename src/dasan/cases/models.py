"""Cases handed to departments, their types (deadline policy), comments and history."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from dasan.core import clock
from dasan.db.base import Base, UTCDateTime


class CaseStatus(enum.StrEnum):
    OPEN = "open"  # with the department, not yet taken
    IN_PROGRESS = "in_progress"  # an official is on it
    RETURNED = "returned"  # sent back to the center with a reason
    RESOLVED = "resolved"  # answered; the citizen was told


OPEN_CASE = (CaseStatus.OPEN, CaseStatus.IN_PROGRESS)
PRIORITIES = ("normal", "high", "urgent")


class CaseType(Base):
    """What kind of matter, which department answers it by default, within how many working days.
    Published types are the Open311 services."""

    __tablename__ = "case_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    group: Mapped[str] = mapped_column(String(100), default="")
    keywords: Mapped[str] = mapped_column(String(300), default="")
    category: Mapped[str] = mapped_column(String(100), default="")  # the consultation category it matches
    # The department that answers it; for district matters, the department of that kind in the
    # citizen's district (`district_suffix`, e.g. "cleaning" → mapo-cleaning).
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    district_suffix: Mapped[str] = mapped_column(String(40), default="")
    working_days: Mapped[int] = mapped_column(Integer, default=3)
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    attributes: Mapped[list] = mapped_column(JSON, default=list)  # Open311 service definition attributes
    # What citizens write when they want this procedure, per language ({"ko": [...], "en": [...]}):
    # the bot's procedure recognizer learns from them.
    phrases: Mapped[dict] = mapped_column(JSON, default=dict, server_default=text("'{}'"))
    # The service in the citizen's other languages, by language: its name and its attributes'
    # questions and values ({"zh": {"name": "...", "attributes": {"ITEM": {"description": "...",
    # "values": {"fridge": "冰箱"}}}}}). Open311 shows the definition's own text; the bot, these.
    translations: Mapped[dict] = mapped_column(JSON, default=dict, server_default=text("'{}'"))


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)  # "2026-000123", given at opening
    case_type_id: Mapped[int] = mapped_column(ForeignKey("case_types.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)  # the department's
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"), index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(20), default="agent")  # agent | open311
    status: Mapped[str] = mapped_column(String(20), default=CaseStatus.OPEN, index=True)
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    district_code: Mapped[str] = mapped_column(String(40), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    long: Mapped[float | None] = mapped_column(Float)
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    media_url: Mapped[str] = mapped_column(String(1000), default="")
    notify_channel: Mapped[str] = mapped_column(String(20), default="")  # sms | webchat | "" (none)
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    contact_email: Mapped[str] = mapped_column(String(200), default="")
    callback_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    near_escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    open311_token: Mapped[str | None] = mapped_column(String(40), unique=True)
    survey_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    survey_token: Mapped[str | None] = mapped_column(String(40))  # in the survey link: the citizen needs nothing else
    survey_score: Mapped[int | None] = mapped_column(Integer)
    survey_comment: Mapped[str] = mapped_column(Text, default="")


class CaseComment(Base):
    """A note on a case: internal (staff only) or public (the citizen is told, Open311 shows it)."""

    __tablename__ = "case_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text)
    status_after: Mapped[str] = mapped_column(String(20), default="")  # the case's status it left
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class CaseEvent(Base):
    """Every change of a case, in order (opened, assigned, commented, resolved, escalated …)."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
