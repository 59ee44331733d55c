"""The consultation record: every contact, every message, every change, kept."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dasan.core import clock
from dasan.db.base import Base, UTCDateTime


class ConvStatus(enum.StrEnum):
    BOT = "bot"  # the self-service bot is answering; not in any queue
    QUEUED = "queued"  # waiting for an agent
    OFFERED = "offered"  # offered to one agent, waiting for accept
    ACTIVE = "active"  # an agent is handling it
    WRAPUP = "wrapup"  # the contact has ended, the agent writes the record
    CLOSED = "closed"


OPEN_STATUSES = (ConvStatus.BOT, ConvStatus.QUEUED, ConvStatus.OFFERED, ConvStatus.ACTIVE, ConvStatus.WRAPUP)


class MsgKind(enum.StrEnum):
    INBOUND = "inbound"  # from the citizen
    OUTBOUND = "outbound"  # to the citizen
    NOTE = "note"  # internal, never shown to the citizen
    SYSTEM = "system"  # shown to both (e.g. "an agent joined")


class Resolution(enum.StrEnum):
    SOLVED = "solved"  # solved on first contact
    TRANSFERRED = "transferred"  # handed to a department
    CALLBACK = "callback"
    ABANDONED = "abandoned"


class Citizen(Base):
    __tablename__ = "citizens"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    lang: Mapped[str] = mapped_column(String(8), default="ko")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # The citizen texted an opt-out keyword: no SMS goes to them until they opt in again.
    sms_opt_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A repeat offender (M17, set by `protect`): until then every new contact goes to this queue
    # (the dedicated team; empty: the usual one) and opens with the warning.
    restricted_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    restricted_queue: Mapped[str] = mapped_column(String(40), default="")
    # The citizen's identity removed (retention or their erasure request): a new contact from the
    # same number or address is a new citizen.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CitizenIdentity(Base):
    """How a channel recognises a citizen: a web-chat visitor id, a phone number, an email …"""

    __tablename__ = "citizen_identities"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(200))


class Conversation(Base):
    """One contact on one channel, from first message to the closing record."""

    __tablename__ = "conversations"
    __table_args__ = (
        # The dispatcher's line in arrival order, and the waiting on the channels that can take an
        # offer: read by the first rows of an index, not by scanning every waiting contact.
        Index("ix_conversations_line", "status", "queued_at", "id"),
        Index("ix_conversations_status_channel", "status", "channel", "queued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=ConvStatus.QUEUED)  # indexed first in ix_conversations_line
    queue_code: Mapped[str] = mapped_column(String(40), default="general")
    lang: Mapped[str] = mapped_column(String(8), default="ko")
    dialled_number: Mapped[str] = mapped_column(String(40), default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    offered_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Seconds from queued to answered, set when an agent first accepts (the wallboard sums it in SQL).
    wait_s: Mapped[float | None] = mapped_column(Float)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Highest message sequence number; bumped with an UPDATE so concurrent writers never collide.
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    # Offers made while waiting ("bot", "callback"; comma-separated), each made once.
    offers_made: Mapped[str] = mapped_column(String(40), default="")
    # The citizen took the callback offer: keeps the place in line; the agent calls this number.
    callback_number: Mapped[str | None] = mapped_column(String(40))
    # A reserved callback: the contact rejoins the line at this time (and keeps priority from it).
    callback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Platforms that allow replies only for a while after the citizen's message (SNS): the deadline.
    reply_by: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),
        # A client resends an unacknowledged message with the same id; it is stored once.
        UniqueConstraint("conversation_id", "client_msg_id"),
        # A gateway redelivers a message with the same external id; it is stored once.
        UniqueConstraint("channel", "external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(20))
    client_msg_id: Mapped[str | None] = mapped_column(String(80))
    external_id: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    # a citizen's message found abusive (dasan.abuse): its kind, for the agent; None otherwise
    abuse: Mapped[str | None] = mapped_column(String(20))
    # The text (and files) removed by retention or erasure; the message's place and time stay.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConversationEvent(Base):
    """Append-only history of a conversation: queued, offered, accepted, transferred, closed …"""

    __tablename__ = "conversation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    data: Mapped[dict] = mapped_column(JSON, default=dict)


class ConsultationRecord(Base):
    """What every consultation closes with; the unit of reporting."""

    __tablename__ = "consultation_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), unique=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(80))
    summary: Mapped[str] = mapped_column(Text)
    resolution: Mapped[str] = mapped_column(String(20))
    wait_s: Mapped[float] = mapped_column(default=0.0)
    handle_s: Mapped[float] = mapped_column(default=0.0)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
