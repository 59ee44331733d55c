"""Web chat (M2): the citizen widget's websocket.

Protocol (JSON text frames):
  client → {"type": "hello", "visitor": TOKEN, "lang": "ko", "after_seq": N}
  server → {"type": "welcome", "conversation_id", "status", "messages": [...], "position", "wait"}
  client → {"type": "send", "client_msg_id": ID, "text": "..."}
  server → {"type": "ack", "client_msg_id", "seq", "conversation_id"}   (only after commit)
  server → {"type": "message.created", "data": {...}} / {"type": "citizen.status", ...}
  client → {"type": "sync", "after_seq": N}  (the client saw a gap in seq numbers)
  client → {"type": "leave"}
The visitor token is a random secret the widget keeps in localStorage; only its hash is stored.
A resent message (same client_msg_id) is stored once and acknowledged again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
from datetime import datetime
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Header, Request, UploadFile, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from dasan.attachments.core import MAX_BYTES
from dasan.attachments.service import find as find_attachment
from dasan.attachments.service import store as store_attachment
from dasan.bot.actions import bot_turn
from dasan.center import service as center_service
from dasan.center.core import SERVICE_LANGS
from dasan.conversations import service
from dasan.conversations.actions import (
    citizen_text,
    do_append_message,
    do_close_with_record,
    do_get_or_create_citizen,
    do_record_event,
    do_start_conversation,
)
from dasan.conversations.models import ConvStatus, MsgKind, Resolution
from dasan.conversations.service import message_data
from dasan.core.errors import Conflict, DasanError, Invalid
from dasan.db.engine import session_scope
from dasan.events.bus import Connection
from dasan.i18n import catalogue
from dasan.routing import service as routing_service
from dasan.routing.core import queue_for
from dasan.routing.offers import do_accept_bot_offer, do_request_callback
from dasan.routing.service import offers_of, offers_open, wait_estimate
from dasan.security.deps import Public

log = logging.getLogger(__name__)
router = APIRouter(tags=["webchat"])
CHANNEL = "webchat"
MAX_FILES = 4  # files with one message


class Hello(BaseModel):
    visitor: str = Field(min_length=16, max_length=200)
    lang: str | None = None  # one of the six service languages; None: the center's default
    after_seq: int = Field(default=0, ge=0)
    name: str = Field(default="", max_length=120)
    # The page's own line (a department's page embeds the widget with data-queue): its contacts
    # wait there instead of the language's line; an unknown code is the language's line.
    queue: str = Field(default="", max_length=40)


    @field_validator("lang")
    @classmethod
    def _service_language(cls, lang: str | None) -> str | None:
        if lang is not None and lang not in SERVICE_LANGS:
            raise ValueError(f"lang must be one of {', '.join(SERVICE_LANGS)}")
        return lang


class Send(BaseModel):
    client_msg_id: str = Field(min_length=1, max_length=80)
    text: str = Field(default="", max_length=4000)
    # Files uploaded first (POST /api/v1/chat/attachments), by the reference the upload returned.
    attachments: list[str] = Field(default_factory=list, max_length=MAX_FILES)

    @model_validator(mode="after")
    def _something(self) -> Send:
        if not self.text.strip() and not self.attachments:
            raise ValueError("a message needs text or a file")
        return self


def attachment_ref(secret: str, visitor_token: str, key: str) -> str:
    """What the widget sends back for a file it uploaded: the key, signed for that visitor (a
    visitor can attach only what it uploaded itself)."""
    mac = hmac.new(secret.encode(), f"{_visitor_key(visitor_token)}|{key}".encode(), hashlib.sha256)
    return f"{key}.{mac.hexdigest()[:32]}"


def attachment_of(secret: str, visitor_token: str, ref: str, data_dir) -> dict[str, Any]:
    """The attachment record a reference stands for; Invalid when it is not this visitor's file."""
    key, _, _ = ref.partition(".")
    if not hmac.compare_digest(attachment_ref(secret, visitor_token, key), ref):
        raise Invalid("that file was not uploaded from this chat", code="bad_attachment")
    found = find_attachment(data_dir, key)
    if found is None:
        raise Invalid("that file is no longer here: upload it again", code="bad_attachment")
    _, content_type = found
    record = {"url": f"/api/v1/attachments/{key}", "name": "", "content_type": content_type,
              "size": found[0].stat().st_size}
    if content_type.startswith("image/"):
        record["thumbnail_url"] = f"/api/v1/attachments/{key}.thumb"
    return record


def _visitor_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _msg_json(m, name: str = "") -> dict[str, Any]:
    return message_data(m, name).model_dump()


class ChatSession:
    """One citizen websocket; database work runs in worker threads, in arrival order."""

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self.app = ws.app
        self.factory = ws.app.state.session_factory
        self.conn = Connection()
        self.hello: Hello | None = None
        self.citizen_id: int | None = None
        self.conversation_id: int | None = None
        self.last_position: tuple | None = None

    async def send(self, payload: dict[str, Any]) -> None:
        await self.conn.queue.put(json.dumps(payload, ensure_ascii=False))

    # --- database work (worker threads) -------------------------------------------------
    def _welcome(self, hello: Hello) -> dict[str, Any]:
        with session_scope(self.factory) as s:
            citizen = service.get_citizen_by_identity(session=s, kind=CHANNEL, value=_visitor_key(hello.visitor))
            conv = None
            if citizen is not None:
                self.citizen_id = citizen.id
                conv = service.get_open_conversation(session=s, citizen_id=citizen.id, channel=CHANNEL)
                if conv is None:
                    # Show the last contact that has just ended, so a reload keeps the closing message.
                    conv = s.scalars(
                        service.select_latest_conversation(citizen_id=citizen.id, channel=CHANNEL)
                    ).first()
            if conv is None:
                return {"type": "welcome", "conversation_id": None, "status": None, "messages": []}
            self.conversation_id = conv.id
            self.conn.citizen_conversation_ids = {conv.id}
            upto = conv.last_seq  # read first: every seq up to it is committed (see _sync)
            msgs = service.list_messages(session=s, conversation_id=conv.id, after_seq=hello.after_seq,
                                         citizen_view=True)
            names = service.author_names(session=s, messages=msgs)
            out = {"type": "welcome", "conversation_id": conv.id, "status": conv.status, "upto": upto,
                   "messages": [_msg_json(m, names.get(m.author_id or 0, "")) for m in msgs]}
            out.update(self._position(s, conv))
            out["offers"] = sorted(offers_open(conv))
            return out

    def _position(self, s, conv) -> dict[str, Any]:
        position = service.queue_position(session=s, conv=conv)
        wait = wait_estimate(session=s, conv=conv, position=position) if position else 0.0
        return {"position": position, "wait_s": wait, "wait_kind": "simple"}

    def _store(self, msg: Send, files: list[dict[str, Any]]) -> tuple[dict[str, Any], bool]:
        """Store a citizen message (with its files); returns (ack, the bot should answer)."""
        assert self.hello is not None
        settings = self.app.state.settings
        with session_scope(self.factory) as s:
            center = center_service.get(s)
            lang = self.hello.lang if self.hello.lang and center.serves(self.hello.lang) else center.default_lang
            citizen = do_get_or_create_citizen(
                session=s, kind=CHANNEL, value=_visitor_key(self.hello.visitor), display_name=self.hello.name,
                lang=lang,
            )
            self.citizen_id = citizen.id
            conv = service.get_open_conversation(session=s, citizen_id=citizen.id, channel=CHANNEL)
            # A resend of a message already stored in the contact we know of is found there,
            # even if that contact has closed since.
            if conv is None and self.conversation_id is not None:
                known = service.get_conversation(session=s, conversation_id=self.conversation_id)
                dup = service.find_by_client_id(session=s, conversation_id=known.id, client_msg_id=msg.client_msg_id)
                if dup is not None:
                    return {"type": "ack", "client_msg_id": msg.client_msg_id, "seq": dup.seq,
                            "conversation_id": known.id, "duplicate": True}, False
            if conv is None:
                line = queue_for(lang, center.default_lang)
                if self.hello.queue and lang == center.default_lang and routing_service.queue_exists(
                        session=s, code=self.hello.queue):
                    line = self.hello.queue
                conv = do_start_conversation(session=s, citizen=citizen, channel=CHANNEL, lang=lang,
                                             queue_code=line, bot=settings.bot_enabled)
            # Subscribe before commit so no event about this conversation can slip past us.
            self.conn.citizen_conversation_ids = {conv.id}
            self.conversation_id = conv.id
            stored, created = do_append_message(
                session=s, conv=conv, kind=MsgKind.INBOUND, body=msg.text, client_msg_id=msg.client_msg_id,
                max_chars=settings.max_message_chars, attachments=files or None,
            )
            ack = {"type": "ack", "client_msg_id": msg.client_msg_id, "seq": stored.seq,
                   "conversation_id": conv.id, "duplicate": not created}
            with_bot = created and (conv.status == ConvStatus.BOT or (
                conv.status == ConvStatus.QUEUED and "bot_accepted" in offers_of(conv)))
        return ack, with_bot

    def _bot(self, conversation_id: int, text: str, files: list[dict[str, Any]]):
        return bot_turn(factory=self.factory, knowledge=self.app.state.knowledge, conversation_id=conversation_id,
                        text=text, recognizer=self.app.state.procedures, attachments=files)

    def _sync(self, after_seq: int) -> dict[str, Any]:
        with session_scope(self.factory) as s:
            if self.conversation_id is None:
                return {"type": "sync", "messages": []}
            # Internal notes share the conversation's sequence but are not the citizen's to see, so
            # the citizen's seqs have holes. `upto` says every seq up to it has been considered:
            # the client moves past the holes instead of asking again and again. It is read before
            # the messages: a seq at or below the committed last_seq belongs to a committed message.
            conv = service.get_conversation(session=s, conversation_id=self.conversation_id)
            upto = conv.last_seq
            msgs = service.list_messages(session=s, conversation_id=self.conversation_id, after_seq=after_seq,
                                         citizen_view=True)
            names = service.author_names(session=s, messages=msgs)
            return {"type": "sync", "conversation_id": conv.id, "status": conv.status, "upto": upto,
                    "messages": [_msg_json(m, names.get(m.author_id or 0, "")) for m in msgs]}

    def _take_offer(self, kind: str, frame: dict[str, Any]) -> dict[str, Any]:
        """The citizen takes an offer made while waiting: a callback (with a phone number) or the bot."""
        with session_scope(self.factory) as s:
            if self.conversation_id is None:
                raise Conflict("there is no contact waiting", code="no_contact")
            conv = service.get_conversation(session=s, conversation_id=self.conversation_id)
            if kind == "callback":
                phone, at = frame.get("phone"), frame.get("at")
                if not isinstance(phone, str):
                    raise Invalid("give the phone number to call back", code="bad_phone")
                when = None
                if at:
                    try:
                        when = datetime.fromisoformat(str(at).replace("Z", "+00:00"))
                    except ValueError:
                        raise Invalid("the reserved time must be an ISO 8601 date and time", code="bad_time") from None
                    if when.tzinfo is None:  # the widget's wall-clock time is the center's
                        when = when.replace(tzinfo=center_service.get(s).tz)
                do_request_callback(session=s, conv=conv, phone=phone, at=when)
            else:
                do_accept_bot_offer(session=s, conv=conv)
            return {"type": "offer_taken", "offer": kind, "conversation_id": conv.id}

    def _leave(self) -> None:
        with session_scope(self.factory) as s:
            if self.conversation_id is None:
                return
            conv = service.get_conversation(session=s, conversation_id=self.conversation_id)
            if conv.callback_number is not None and conv.status in (ConvStatus.QUEUED, ConvStatus.OFFERED):
                # They asked to be called back: closing the chat keeps their place in line.
                do_record_event(session=s, conv=conv, kind="citizen_left_callback_kept")
                return
            if conv.status in (ConvStatus.BOT, ConvStatus.QUEUED, ConvStatus.OFFERED):
                contained = conv.status == ConvStatus.BOT
                center = center_service.get(s)
                do_close_with_record(
                    session=s, conv=conv, agent=None,
                    category=catalogue.staff_text("record.category_bot" if contained else "record.category_none",
                                                  center),
                    resolution=Resolution.SOLVED if contained else Resolution.ABANDONED,
                    summary=catalogue.staff_text("record.closed_with_bot" if contained else "record.left_waiting",
                                                 center),
                )
            elif conv.status == ConvStatus.ACTIVE:
                do_append_message(session=s, conv=conv, kind=MsgKind.SYSTEM,
                                  body=citizen_text(s, conv, "system.citizen_left"))
                do_record_event(session=s, conv=conv, kind="citizen_left")

    def _poll_position(self) -> dict[str, Any] | None:
        if self.conversation_id is None:
            return None
        with session_scope(self.factory) as s:
            conv = service.get_conversation(session=s, conversation_id=self.conversation_id)
            if conv.status not in (ConvStatus.QUEUED, ConvStatus.OFFERED):
                return None
            pos = self._position(s, conv)
        key = (pos["position"], pos["wait_s"])
        if key == self.last_position:
            return None
        self.last_position = key
        return {"type": "citizen.status", "data": {"conversation_id": self.conversation_id,
                                                    "status": conv.status, **pos}}

    # --- the socket -----------------------------------------------------------------------
    async def run(self) -> None:
        hub = self.app.state.bus.hub
        hub.add(self.conn)
        writer = asyncio.create_task(self._writer())
        poller = asyncio.create_task(self._poller())
        try:
            while True:
                raw = await self.ws.receive_text()
                await self.handle(raw)
        except WebSocketDisconnect:
            pass
        finally:
            hub.remove(self.conn)
            poller.cancel()
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await writer
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await poller

    async def handle(self, raw: str) -> None:
        try:
            frame = json.loads(raw)
            kind = frame.get("type") if isinstance(frame, dict) else None
        except json.JSONDecodeError:
            await self.send({"type": "error", "code": "malformed", "message": "frames must be JSON objects"})
            return
        try:
            if kind == "hello":
                self.hello = Hello.model_validate(frame)
                await self.send(await anyio.to_thread.run_sync(self._welcome, self.hello))
            elif self.hello is None:
                await self.send({"type": "error", "code": "hello_first", "message": "send hello first"})
            elif kind == "send":
                msg = Send.model_validate(frame)
                settings = self.app.state.settings
                files = [attachment_of(settings.secret_key, self.hello.visitor, ref, settings.data_dir)
                         for ref in msg.attachments]
                ack, with_bot = await anyio.to_thread.run_sync(self._store, msg, files)
                await self.send(ack)
                if with_bot:
                    await anyio.to_thread.run_sync(self._bot, ack["conversation_id"], msg.text, files)
            elif kind == "sync":
                after = int(frame.get("after_seq") or 0)
                await self.send(await anyio.to_thread.run_sync(self._sync, after))
            elif kind in ("callback", "bot"):
                await self.send(await anyio.to_thread.run_sync(self._take_offer, kind, frame))
            elif kind == "leave":
                await anyio.to_thread.run_sync(self._leave)
            elif kind == "ping":
                await self.send({"type": "pong"})
            else:
                await self.send({"type": "error", "code": "unknown_type", "message": f"unknown frame type {kind!r}"})
        except ValidationError as e:
            await self.send({"type": "error", "code": "invalid", "client_msg_id": frame.get("client_msg_id"),
                             "message": "; ".join(err["msg"] for err in e.errors())})
        except DasanError as e:
            await self.send({"type": "error", "code": e.code, "client_msg_id": frame.get("client_msg_id"),
                             "message": e.message})

    async def _writer(self) -> None:
        while True:
            payload = await self.conn.queue.get()
            await self.ws.send_text(payload)
            if self.conn.overflowed and self.conn.queue.empty():
                await self.ws.close(code=4008)  # events were dropped: reconnect and resume
                return

    async def _poller(self) -> None:
        # Place in line changes when others are answered; each socket checks its own (cheap,
        # and correct with any number of server processes).
        while True:
            await asyncio.sleep(2)
            try:
                update = await anyio.to_thread.run_sync(self._poll_position)
            except Exception:
                log.exception("position poll failed")
                continue
            if update:
                await self.send(update)


async def chat_socket(ws: WebSocket) -> None:
    """The citizen widget's websocket (public: the visitor token is the credential)."""
    await ws.accept()
    await ChatSession(ws).run()


chat_socket.policy = Public()  # type: ignore[attr-defined]
router.add_api_websocket_route("/ws/chat", chat_socket)


@router.post("/api/v1/chat/attachments", dependencies=[Depends(Public())])
async def upload_attachment(request: Request, file: UploadFile,
                            x_visitor: Annotated[str, Header(min_length=16, max_length=200)]) -> dict[str, Any]:
    """A photo or file for the chat (the widget's visitor token in `X-Visitor` is the credential):
    cleaned and kept (images re-encoded without their metadata), then sent with a message by the
    reference returned."""
    data = await file.read(MAX_BYTES + 1)
    record = await anyio.to_thread.run_sync(lambda: store_attachment(
        request.app.state.settings.data_dir, data, name=file.filename or "", declared_type=file.content_type or ""))
    if record.get("rejected"):
        raise Invalid(f"the file was refused: {record['rejected']}", code="bad_attachment")
    key = record["url"].rsplit("/", 1)[1]
    return {"ref": attachment_ref(request.app.state.settings.secret_key, x_visitor, key),
            "name": record["name"], "content_type": record["content_type"], "size": record["size"]}
