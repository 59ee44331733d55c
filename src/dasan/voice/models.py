"""Voice tables: the menus, which dialled number leads to which menu, admins' recorded prompts,
agents' SIP credentials, and one record per call (the call detail record)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dasan.core import clock
from dasan.db.base import Base, UTCDateTime


class VoiceMenu(Base):
    """A menu tree (see `voice.menu` for its form)."""

    __tablename__ = "voice_menus"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    tree: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class VoiceNumber(Base):
    """A dialled number the center answers (120 itself, or a department's legacy line folded
    into it) and the menu it leads to; kept as the digits a call's request URI carries."""

    __tablename__ = "voice_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    menu_id: Mapped[int] = mapped_column(ForeignKey("voice_menus.id"), index=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    # A department's old number: its calls carry the department (the agent sees whose line it was).
    legacy_line_id: Mapped[int | None] = mapped_column(ForeignKey("legacy_lines.id"))


class VoicePrompt(Base):
    """An admin's recording that replaces the generated prompt `key` in `lang`."""

    __tablename__ = "voice_prompts"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    lang: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(300))  # under the data directory
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class SipAccount(Base):
    """An agent's SIP credentials, issued by Dasan; only the digest hash (HA1) is kept."""

    __tablename__ = "sip_accounts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    ha1: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class CallOutcome(enum.StrEnum):
    RINGING = "ringing"  # answered by the center, in the menu
    QUEUED = "queued"
    CONNECTED = "connected"  # an agent took it
    COMPLETED = "completed"  # ended after an agent took it
    ABANDONED = "abandoned"  # the caller hung up before an agent took it
    CALLBACK = "callback"  # the caller asked to be called back and hung up
    INFORMATION = "information"  # the menu gave the answer and ended the call
    REFUSED = "refused"  # unknown dialled number, not from a trunk, no menu …
    FAILED = "failed"  # our side failed (media relay down …)


class VoiceCall(Base):
    """One call leg as the center saw it, written when the call arrives and completed when it
    ends: every call has one, whatever happened to it."""

    __tablename__ = "voice_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    sip_call_id: Mapped[str] = mapped_column(String(200), unique=True)
    direction: Mapped[str] = mapped_column(String(8), default="in")  # in | out
    from_number: Mapped[str] = mapped_column(String(64), default="")
    to_number: Mapped[str] = mapped_column(String(64), default="")
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str] = mapped_column(String(20), default=CallOutcome.RINGING, index=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    menu_path: Mapped[str] = mapped_column(String(200), default="")
    lang: Mapped[str] = mapped_column(String(8), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    announced_wait_s: Mapped[float | None] = mapped_column(Float)  # the first wait told to the caller
    recording_path: Mapped[str] = mapped_column(String(300), default="")
    recording_s: Mapped[float] = mapped_column(Float, default=0.0)
    prompts_played: Mapped[list] = mapped_column(JSON, default=list)
    hold_count: Mapped[int] = mapped_column(Integer, default=0)
