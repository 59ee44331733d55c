"""Emerging issues the live detector raised (one row each, however many processes saw it), and
the topics of each day and week."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dasan.core import clock
from dasan.db.base import Base, UTCDateTime


class TrendAlert(Base):
    __tablename__ = "trend_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # the feature that fired + its first record
    label: Mapped[str] = mapped_column(String(300))
    terms: Mapped[list] = mapped_column(JSON, default=list)
    district: Mapped[str] = mapped_column(String(80), default="")
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    count: Mapped[int] = mapped_column(Integer)
    record_ids: Mapped[list] = mapped_column(JSON, default=list)  # consultation records
    article_id: Mapped[int | None] = mapped_column(Integer)  # the knowledge article suggested
    article_title: Mapped[str] = mapped_column(String(300), default="")


class TrendTopic(Base):
    """A topic of a day's or a week's consultations: its records, top terms, examples and the
    knowledge articles the bot answered them with. Analysts rename topics and merge one into
    another (the merged one stays, pointing to where it went)."""

    __tablename__ = "trend_topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(10))  # day | week
    start: Mapped[date] = mapped_column(Date, index=True)  # the center's day (a Monday for a week)
    label: Mapped[str] = mapped_column(String(200))  # the analyst's name for it, or its top terms
    terms: Mapped[list] = mapped_column(JSON, default=list)
    size: Mapped[int] = mapped_column(Integer)
    conversation_ids: Mapped[list] = mapped_column(JSON, default=list)
    examples: Mapped[list] = mapped_column(JSON, default=list)  # conversation ids nearest its terms
    articles: Mapped[list] = mapped_column(JSON, default=list)  # [{id, title, count}] the bot answered with
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("trend_topics.id"))
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class BotNotice(Base):
    """A notice a supervisor published for an emerging issue ("water outage in Mapo: see …"): the
    bot says it, once per contact, to citizens whose message names one of its terms, until it ends."""

    __tablename__ = "bot_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("trend_alerts.id"))
    text: Mapped[str] = mapped_column(Text)
    terms: Mapped[list] = mapped_column(JSON, default=list)  # Kiwi words; any of them in a message matches
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    until: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
