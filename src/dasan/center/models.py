"""The one row that says which center this installation is (absent: the settings' defaults)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, text
from sqlalchemy.orm import Mapped, mapped_column

from dasan.core import clock
from dasan.db.base import Base, UTCDateTime


class CenterProfile(Base):
    __tablename__ = "center_profile"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1: one center per installation
    code: Mapped[str] = mapped_column(String(40))
    number: Mapped[str] = mapped_column(String(20))
    timezone: Mapped[str] = mapped_column(String(64))
    country: Mapped[str] = mapped_column(String(2))
    holiday_subdiv: Mapped[str] = mapped_column(String(10), default="")
    languages: Mapped[list] = mapped_column(JSON)  # ordered; the first is the default
    names: Mapped[dict] = mapped_column(JSON)  # lang -> full name
    short_names: Mapped[dict] = mapped_column(JSON)  # lang -> short name
    office_open: Mapped[str] = mapped_column(String(5), default="09:00")
    office_close: Mapped[str] = mapped_column(String(5), default="18:00")
    sms_sender: Mapped[str] = mapped_column(String(20), default="")
    email_from: Mapped[str] = mapped_column(String(200), default="")
    # The center's own closed days on top of the country's public holidays ("2026-12-31": "종무식").
    closed_days: Mapped[dict] = mapped_column(JSON, default=dict, server_default=text("'{}'"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
