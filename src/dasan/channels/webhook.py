"""The generic signed-webhook channel any social-platform connector can target (M6).

`POST /channels/webhook/{platform}` with a JSON message, signed (channels/signing.py):

    {"message_id": "...", "sender": {"id": "...", "name": "..."}, "text": "...",
     "sent_at": "2026-11-22T01:00:00Z", "attachments": [...]}

Idempotent on the platform's message id (a replay is stored once). Replies to a conversation on
this channel go out through the outbox to the source's `callback_url`, signed the same way.
Conversations remember the platform's reply deadline (`reply_window_h` after the citizen's last
message, 24 h by default), shown to the agent.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Annotated

import anyio
import httpx
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dasan.channels.intake import Attachment, IntakeMessage, Sender, do_intake
from dasan.channels.models import WebhookSource
from dasan.channels.signing import MAX_BODY, sign, verify
from dasan.conversations.actions import do_record_event, notify_conversation
from dasan.conversations.models import OPEN_STATUSES, Conversation, ConversationEvent, Message, MsgKind
from dasan.core import clock
from dasan.core.errors import DasanError, Invalid, NotFound, Unauthorized
from dasan.core.moments import Moment
from dasan.core.worker import every
from dasan.db.engine import session_scope
from dasan.outbox.models import OutboxItem
from dasan.outbox.senders import Result
from dasan.security.deps import Policy

router = APIRouter(prefix="/channels/webhook", tags=["channels"])
PLATFORM = r"^[a-z][a-z0-9]{1,10}$"


class TooLarge(DasanError):
    status = 413
    code = "too_large"


class WebhookSender(BaseModel):
    id: str = Field(min_length=1, max_length=200)
    name: str | None = Field(default=None, max_length=120)
    lang: str | None = None


class WebhookMessage(BaseModel):
    message_id: str = Field(min_length=1, max_length=200)
    sender: WebhookSender
    text: str = Field(default="", max_length=4000)
    sent_at: Moment | None = None
    attachments: list[Attachment] = Field(default_factory=list, max_length=20)


def channel_name(platform: str) -> str:
    return f"sns-{platform}"


USE_TOUCH = timedelta(minutes=1)


def do_rotate_secret(*, session: Session, source: WebhookSource, overlap_hours: int) -> str:
    """A new signing secret (returned once); the old one keeps working `overlap_hours` more —
    requests signed with it are accepted and our replies carry its signature too — so the
    connector can switch without a lost message."""
    now = clock.now()
    source.previous_secret, source.previous_until = source.secret, now + timedelta(hours=overlap_hours)
    source.secret, source.rotated_at = secrets.token_urlsafe(32), now
    return source.secret


def do_create_source(*, session: Session, platform: str, callback_url: str = "", reply_window_h: int = 24) -> str:
    """Register a platform; returns its new signing secret (shown once)."""

    if not re.match(PLATFORM, platform):
        raise Invalid("platform: 2–11 lowercase letters or digits, starting with a letter", code="bad_platform")
    if session.scalar(select(WebhookSource).where(WebhookSource.platform == platform)) is not None:
        raise Invalid(f"platform '{platform}' already exists", code="exists")
    secret = secrets.token_urlsafe(32)
    session.add(WebhookSource(platform=platform, secret=secret, callback_url=callback_url,
                              reply_window_h=reply_window_h))
    session.flush()
    return secret


class SignedWebhook(Policy):
    """A request signed with the platform's secret, fresh, and no bigger than 64 KB. Returns the
    source and the raw body it verified."""

    kind = "signed"

    async def __call__(self, request: Request, platform: str) -> tuple[WebhookSource, bytes]:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_BODY:
            raise TooLarge(f"body larger than {MAX_BODY} bytes")
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                raise TooLarge(f"body larger than {MAX_BODY} bytes")
        ts, sig = request.headers.get("x-dasan-timestamp"), request.headers.get("x-dasan-signature")
        if not ts or not sig:
            raise Unauthorized("missing X-Dasan-Timestamp or X-Dasan-Signature", code="unsigned")

        def load_and_verify() -> tuple[WebhookSource | None, str | None]:
            """The platform's source and why its signature fails (None: it holds, with the
            current secret or, during a rotation's overlap, the previous one). An accepted
            request is the source's last use (written at most once a minute)."""
            with session_scope(request.app.state.session_factory) as s:
                source = s.scalar(select(WebhookSource).where(WebhookSource.platform == platform))
                if source is None:
                    return None, None
                now = clock.now()
                reason = verify(source.secret, ts, sig, body, now=time.time())
                previous = source.previous_live(now)
                if reason is not None and previous is not None and not reason.startswith("stale"):
                    reason = verify(previous, ts, sig, body, now=time.time())
                if reason is None and (source.last_used_at is None or now - source.last_used_at >= USE_TOUCH):
                    source.last_used_at = now
                return source, reason

        source, reason = await anyio.to_thread.run_sync(load_and_verify)
        if source is None:
            raise NotFound(f"unknown platform '{platform}'")
        if reason is not None:
            raise Unauthorized(reason, code="stale" if reason.startswith("stale") else "bad_signature")
        return source, body


@router.post("/{platform}", status_code=202)
async def receive(request: Request, platform: str,
                  signed: Annotated[tuple[WebhookSource, bytes], Depends(SignedWebhook())]):
    """One citizen message from a platform connector."""
    source, body = signed
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return JSONResponse({"error": "malformed_json", "message": "the body is not valid JSON"}, status_code=400)
    try:
        msg = WebhookMessage.model_validate(payload)
    except ValidationError as e:
        raise Invalid("; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors()),
                      code="invalid") from None
    if not msg.text.strip() and not msg.attachments:
        raise Invalid("a message needs text or attachments", code="empty_message")
    settings = request.app.state.settings
    try:
        intake = IntakeMessage(channel=channel_name(source.platform), external_id=msg.message_id,
                               sender=Sender(id=msg.sender.id, name=msg.sender.name, lang=msg.sender.lang),
                               text=msg.text or " ", sent_at=msg.sent_at or datetime.now(UTC),
                               attachments=msg.attachments)
    except ValidationError as e:
        raise Invalid("; ".join(err["msg"] for err in e.errors()), code="invalid") from None

    def store():
        with session_scope(request.app.state.session_factory) as s:
            accepted = do_intake(session=s, msg=intake, max_chars=settings.max_message_chars)
            if not accepted.duplicate:
                conv = s.get(Conversation, accepted.conversation_id)
                conv.reply_by = datetime.now(UTC) + timedelta(hours=source.reply_window_h)
            return accepted

    accepted = await anyio.to_thread.run_sync(store)
    return accepted.model_dump()


WARN_BEFORE = timedelta(hours=2)


def do_escalate_reply_deadlines(*, session: Session, now: datetime, warn_before: timedelta = WARN_BEFORE) -> int:
    """Open SNS contacts still waiting for our reply: two hours before the platform's deadline the
    agent and the supervisors are warned, and again when it has passed — each once per citizen
    message (a conversation event records it). Returns the warnings sent."""

    sent = 0
    convs = session.scalars(select(Conversation).where(
        Conversation.channel.like("sns-%"), Conversation.status.in_(OPEN_STATUSES),
        Conversation.reply_by.is_not(None), Conversation.reply_by <= now + warn_before))
    for conv in convs:
        last_in = session.scalar(select(Message.seq).where(Message.conversation_id == conv.id,
                                                           Message.kind == MsgKind.INBOUND)
                                 .order_by(Message.seq.desc()).limit(1)) or 0
        answered = session.scalar(select(Message.id).where(Message.conversation_id == conv.id,
                                                           Message.kind == MsgKind.OUTBOUND, Message.seq > last_in)
                                  .limit(1))
        if answered is not None:
            continue
        reply_by = conv.reply_by
        if reply_by is None:
            continue
        kind = "reply_deadline_passed" if reply_by <= now else "reply_deadline_near"
        done = session.scalars(select(ConversationEvent.data).where(
            ConversationEvent.conversation_id == conv.id, ConversationEvent.kind == kind)).all()
        if any(d.get("after_seq") == last_in for d in done):
            continue
        do_record_event(session=session, conv=conv, kind=kind,
                        data={"after_seq": last_in, "reply_by": reply_by.isoformat()})
        notify_conversation(session, conv)  # the agent and the supervisors
        sent += 1
    session.flush()
    return sent


async def escalate_periodically(app, *, every_s: float = 30.0) -> None:
    """Background task: reply-deadline warnings for SNS contacts."""

    await every(every_s, app.state.session_factory, do_escalate_reply_deadlines, what="reply-deadline escalation")


class WebhookReplySender:
    """Replies on a webhook platform: POSTed as JSON to the platform's callback URL, signed like
    the webhook itself (channels/signing.py), idempotent for the connector on `message_id`."""

    def __init__(self, factory: sessionmaker[Session], client: httpx.Client | None = None) -> None:
        self.factory = factory
        self.client = client or httpx.Client(timeout=10.0)

    def send(self, item: OutboxItem) -> Result:
        platform = item.channel.removeprefix("sns-")
        with session_scope(self.factory) as s:
            source = s.scalar(select(WebhookSource).where(WebhookSource.platform == platform))
            url, secret = (source.callback_url, source.secret) if source else ("", "")
            previous = source.previous_live(clock.now()) if source else None
        if not url:
            return Result(False, f"no callback URL configured for platform '{platform}'", permanent=True)
        body = json.dumps({"message_id": f"dasan-{item.id}", "recipient": item.recipient, "text": item.body},
                          ensure_ascii=False).encode()
        ts = int(time.time())
        headers = {"Content-Type": "application/json", "X-Dasan-Timestamp": str(ts),
                   "X-Dasan-Signature": sign(secret, ts, body)}
        if previous is not None:  # a rotation's overlap: a connector still on the old secret verifies this one
            headers["X-Dasan-Signature-Previous"] = sign(previous, ts, body)
        try:
            r = self.client.post(url, content=body, headers=headers)
        except httpx.HTTPError as e:
            return Result(False, f"{platform} unreachable: {type(e).__name__}")
        if 200 <= r.status_code < 300:
            return Result(True)
        return Result(False, f"{platform} answered {r.status_code}: {r.text.strip()[:200]}",
                      permanent=400 <= r.status_code < 500 and r.status_code != 429)
