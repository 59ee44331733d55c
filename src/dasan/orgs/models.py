"""Tables of the organisation: who the city is, who works in it, what they can do."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dasan.core import clock
from dasan.db.base import Base, UTCDateTime


class Role(enum.StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    OFFICIAL = "official"  # department official
    ADMIN = "admin"
    ANALYST = "analyst"
    SHOPPER = "shopper"  # a mystery shopper: sees only their own assignments


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
    # Set when an admin created the account or gave it a new password: the user chooses their own
    # before anything else (the admin saw the one they gave).
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # The second factor (security/factor.py): the TOTP secret, sealed with the server's key; one
    # being enrolled; the last time step used (a code works once); the end of the grace period a
    # role that requires it has to enrol.
    totp_secret: Mapped[str | None] = mapped_column(String(300))
    totp_pending: Mapped[str | None] = mapped_column(String(300))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    second_factor_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
