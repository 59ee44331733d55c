"""Login sessions, integration tokens and the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dasan.core import clock
from dasan.db.base import Base, UTCDateTime


class LoginSession(Base):
    """A logged-in browser; the cookie holds a random token, the table only its hash."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the absolute timeout
    # The idle timeout counts from here; it moves at most once a minute (`security.service.TOUCH`).
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    address: Mapped[str] = mapped_column(String(64), default="")  # where the login came from
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    # The password was right; the second factor is still to come (a few minutes, then it lapses).
    # Such a session logs nobody in.
    pending_factor: Mapped[bool] = mapped_column(Boolean, default=False)


class ApiToken(Base):
    """A bearer token for an integration, e.g. a channel adapter posting to the intake."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # No longer accepted from then on (a lifetime; a rotation's overlap); None: until revoked.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Its last use (written at most once a minute) and where from: a use from another address is
    # a security event (`security.actions.do_note_token_use`).
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_address: Mapped[str] = mapped_column(String(64), default="")


class AuditEntry(Base):
    """Who looked at or changed what; append-only."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class LoginFailure(Base):
    """A failed login, kept for throttling (`security.throttle`): the name as typed (lower-cased)
    and the source address; never the password."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    username: Mapped[str] = mapped_column(String(80), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    # A later success for the account cleared it from the account's count (not the address's).
    cleared: Mapped[bool] = mapped_column(Boolean, default=False)


class RecoveryCode(Base):
    """A one-time code that stands in for the second factor (a lost phone); only its hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
