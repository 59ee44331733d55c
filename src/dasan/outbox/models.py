"""The outbox: one row per outbound message a gateway must deliver, written in the same
transaction as the message itself, so nothing the agent or the bot said can be lost."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dasan.conversations.models import Message
from dasan.core import clock
from dasan.db.base import Base, UTCDateTime


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for its turn (or for the gateway to come back)
    SENDING = "sending"  # handed to the gateway; the answer is not recorded yet
    SENT = "sent"  # the gateway accepted it
    DELIVERED = "delivered"  # the delivery report says the handset got it
    FAILED = "failed"  # will not be delivered; the reason is in last_error


PENDING = (OutboxStatus.QUEUED, OutboxStatus.SENDING)


class OutboxItem(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), unique=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=OutboxStatus.QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # first delivery report

    message: Mapped[Message] = relationship()
