"""The generic intake: `POST /api/v1/intake/messages`, idempotent on (channel, external_id).

The SMS, email and SNS adapters all end here, so every text contact is recorded, queued and
routed the same way. The 202 answer is sent only after the message is committed.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from dasan.center.core import SERVICE_LANGS
from dasan.conversations import service
from dasan.conversations.actions import do_append_message, do_get_or_create_citizen, do_start_conversation
from dasan.conversations.models import Message, MsgKind
from dasan.core.errors import Forbidden
from dasan.core.moments import Moment
from dasan.events.actions import drop_pending_since, pending_mark
from dasan.observability import metrics
from dasan.security.deps import GroupTokenAuth, client_address

router = APIRouter(prefix="/api/v1/intake", tags=["intake"])
CHANNEL_NAME = r"^[a-z][a-z0-9_-]{0,19}$"
LANGS = set(SERVICE_LANGS)


class Sender(BaseModel):
    """Who sent it: at least one way to recognise the citizen again."""

    id: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)
    name: str | None = Field(default=None, max_length=120)
    lang: str | None = None

    @model_validator(mode="after")
    def _one_identity(self) -> Sender:
        if not (self.id or self.phone or self.email):
            raise ValueError("sender needs at least one of id, phone, email")
        if self.lang is not None and self.lang not in LANGS:
            raise ValueError(f"sender.lang must be one of {sorted(LANGS)}")
        return self

    def identity(self, channel: str) -> tuple[str, str]:
        """The identity key: phone and email are shared across channels, ids are per channel."""
        if self.phone:
            return "phone", self.phone  # normalised to E.164 where citizens are found (one rule)
        if self.email:
            return "email", self.email.strip().lower()
        return f"{channel}:id", str(self.id)


class Attachment(BaseModel):
    url: str = Field(max_length=2000)
    content_type: str = Field(default="application/octet-stream", max_length=120)
    name: str = Field(default="", max_length=300)
    size: int | None = Field(default=None, ge=0)
    thumbnail_url: str | None = Field(default=None, max_length=2000)
    rejected: str | None = Field(default=None, max_length=300)  # why the file was not kept


class IntakeMessage(BaseModel):
    channel: str = Field(pattern=CHANNEL_NAME)
    external_id: str = Field(min_length=1, max_length=200)
    sender: Sender
    text: str = Field(default="", max_length=4000)
    sent_at: Moment
    attachments: list[Attachment] = Field(default_factory=list, max_length=20)
    dialled_number: str | None = Field(default=None, max_length=40)

    @model_validator(mode="after")
    def _content(self) -> IntakeMessage:
        if not self.text.strip() and not self.attachments:
            raise ValueError("a message needs text or attachments")
        if self.sent_at.tzinfo is None:
            raise ValueError("sent_at needs a time zone (ISO 8601 with offset)")
        return self


class IntakeAccepted(BaseModel):
    conversation_id: int
    message_id: int
    seq: int
    duplicate: bool


def do_intake(*, session: Session, msg: IntakeMessage, max_chars: int = 4000, bot: bool = False) -> IntakeAccepted:
    """Record one inbound message. With `bot`, a new conversation starts with the bot instead of
    in the queue (a queued one wakes the dispatcher when the transaction commits)."""
    dup = session.scalar(
        select(Message).where(Message.channel == msg.channel, Message.external_id == msg.external_id)
    )
    if dup is not None:
        metrics.INTAKE.labels(channel=msg.channel, outcome="duplicate").inc()
        return IntakeAccepted(conversation_id=dup.conversation_id, message_id=dup.id, seq=dup.seq,
                              duplicate=True)
    kind, value = msg.sender.identity(msg.channel)
    mark = pending_mark(session)
    savepoint = session.begin_nested()
    try:
        citizen = do_get_or_create_citizen(
            session=session, kind=kind, value=value, display_name=msg.sender.name or "",
            email=msg.sender.email or "", lang=msg.sender.lang,
        )
        conv = service.get_open_conversation(session=session, citizen_id=citizen.id, channel=msg.channel)
        new = conv is None
        if conv is None:
            conv = do_start_conversation(session=session, citizen=citizen, channel=msg.channel,
                                         lang=msg.sender.lang or citizen.lang,
                                         dialled_number=msg.dialled_number or "", bot=bot)
        stored, created = do_append_message(
            session=session, conv=conv, kind=MsgKind.INBOUND, body=msg.text, external_id=msg.external_id,
            sent_at=msg.sent_at, attachments=[a.model_dump() for a in msg.attachments], max_chars=max_chars,
        )
        accepted = IntakeAccepted(conversation_id=stored.conversation_id, message_id=stored.id, seq=stored.seq,
                                  duplicate=not created)
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        drop_pending_since(session, mark)
        raise
    if not created and new:
        # A redelivery raced a closed conversation: never leave an empty conversation behind.
        savepoint.rollback()
        drop_pending_since(session, mark)
    else:
        savepoint.commit()
    metrics.INTAKE.labels(channel=msg.channel, outcome="accepted" if created else "duplicate").inc()
    return accepted


_TOKEN = GroupTokenAuth()


@router.post("/messages", status_code=202, response_model=IntakeAccepted)
async def intake_message(
    body: IntakeMessage, request: Request, token: Annotated[str, Depends(_TOKEN)],
) -> IntakeAccepted:
    """Accept one inbound message from a channel adapter; idempotent on (channel, external_id).
    The 202 is sent after the transaction holding the message committed (group commit: the
    messages that arrive together are written together, `channels.groupcommit`)."""
    max_chars = request.app.state.settings.max_message_chars
    address = client_address(request)

    def job(session: Session) -> IntakeAccepted:
        row = _TOKEN.verify(session, token, address)
        if body.channel != row.channel:
            raise Forbidden(f"this token is for channel '{row.channel}', not '{body.channel}'", code="wrong_channel")
        return do_intake(session=session, msg=body, max_chars=max_chars)

    return await asyncio.wrap_future(request.app.state.intake_writer.submit(job))
