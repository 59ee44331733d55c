"""SMS through Kannel: smsbox calls `mo` for every message a citizen sends (its sms-service
get-url), and `dlr` with every delivery report of what we sent (the dlr-url of each sendsms).

Kannel configuration (the tests generate the same, see tests/channels/kannel.py):

    group = sms-service
    keyword = default
    catch-all = true
    max-messages = 0
    get-url = "http://DASAN/channels/sms/kannel/mo?token=TOKEN&from=%p&to=%P&text=%a&id=%I"

with `mo-recode = true` in the smsbox group (UCS-2 arrives as UTF-8) and
`sms-combine-concatenated-mo = true` in the core group (long messages arrive joined).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dasan.bot.actions import bot_turn, do_handoff, in_procedure
from dasan.bot.core import BotTurn
from dasan.center import service as center_service
from dasan.channels.intake import IntakeAccepted, IntakeMessage, Sender, do_intake
from dasan.conversations.actions import citizen_text, do_append_message, do_close_with_record, do_record_event
from dasan.conversations.models import Citizen, Conversation, ConvStatus, Message, MsgKind, Resolution
from dasan.core import clock
from dasan.core.errors import Invalid, NotFound
from dasan.core.ids import MAX_ID
from dasan.db.engine import session_scope
from dasan.i18n import catalogue
from dasan.outbox.actions import do_delivery_report
from dasan.security.deps import GroupTokenAuth, SessionDep, TokenAuth, client_address
from dasan.security.models import ApiToken

log = logging.getLogger(__name__)
router = APIRouter(prefix="/channels/sms/kannel", tags=["channels"])
KannelToken = Annotated[ApiToken, Depends(TokenAuth(query=True, channel="sms"))]


_MO_TOKEN = GroupTokenAuth(query=True, channel="sms")


@router.get("/mo", response_class=PlainTextResponse)
async def kannel_mo(
    request: Request, token: Annotated[str, Depends(_MO_TOKEN)],
    sender: Annotated[str, Query(alias="from", min_length=3, max_length=40)],
    text: Annotated[str, Query(max_length=4000)] = "",
    to: Annotated[str, Query(max_length=40)] = "",
    id: Annotated[str, Query(min_length=1, max_length=100)] = "",
) -> str:
    """One message from a citizen's phone; idempotent on Kannel's message id (smsbox retries a
    get-url that failed, with the same id). The empty answer means: no automatic reply. Written
    by group commit with whatever else arrives at the same time (`channels.groupcommit`); answered
    after that commit."""
    if not id:
        raise Invalid("the Kannel message id (%I) is missing", code="missing_id")
    if not text.strip():
        raise Invalid("empty message", code="empty_message")
    settings = request.app.state.settings
    msg = IntakeMessage(channel="sms", external_id=f"kannel:{id}", sender=Sender(phone=sender), text=text,
                        sent_at=datetime.now(UTC), dialled_number=to or None)

    address = client_address(request)

    def job(session: Session) -> tuple[IntakeAccepted, bool]:
        _MO_TOKEN.verify(session, token, address)
        return do_take_text(session=session, msg=msg, settings=settings)

    accepted, ask_bot = await asyncio.wrap_future(request.app.state.intake_writer.submit(job))
    after_commit(request.app, accepted, ask_bot, text, [])
    return ""


def do_take_text(*, session, msg: IntakeMessage, settings) -> tuple[IntakeAccepted, bool]:
    """One SMS or MMS from a citizen's phone: recorded once; opt-out keywords honoured; the bot
    first, except for a message with files (a photo of a pothole needs a person), which goes to
    an agent — unless the citizen is in a procedure with the bot, whose photo it answers.
    Returns (ids, the bot should answer it)."""
    keyword = opt_keyword(msg.text) if not msg.attachments else None
    accepted = do_intake(session=session, msg=msg, max_chars=settings.max_message_chars,
                         bot=settings.bot_enabled and keyword is None)
    if accepted.duplicate:
        return accepted, False
    if keyword is not None:
        do_set_opt_out(session=session, conversation_id=accepted.conversation_id, opt_out=keyword == "out")
        return accepted, False
    if msg.attachments:
        conv = session.get(Conversation, accepted.conversation_id)
        if conv.status == ConvStatus.BOT and settings.bot_enabled and in_procedure(session, conv.id):
            return accepted, True
        if conv.status == ConvStatus.BOT:
            do_handoff(session=session, conv=conv, lang=conv.lang,
                       turn=BotTurn(action="handoff", text=citizen_text(session, conv, "bot.handoff"),
                                    reason="attachment"))
        return accepted, False
    return accepted, settings.bot_enabled


def after_commit(app, accepted: IntakeAccepted, ask_bot: bool, text: str, attachments: list[dict]) -> None:
    if ask_bot:
        # The same bot as web chat answers first; its reply goes out through the outbox and a
        # hand-off puts the contact in the queue. It runs on the bot's own small pool, after this
        # answer: the gateway is not kept waiting, and a burst of messages cannot take every thread.
        submit_bot_turn(app, accepted.conversation_id, text, accepted.seq, attachments)


OPT_OUT = {"STOP", "STOPALL", "UNSUBSCRIBE", "수신거부", "거부", "080수신거부"}
OPT_IN = {"START", "UNSTOP", "수신동의", "재수신"}


def opt_keyword(text: str) -> str | None:
    """'out' or 'in' when the whole message is an opt-out / opt-in keyword, else None."""
    word = "".join(text.split()).upper()
    return "out" if word in OPT_OUT else "in" if word in OPT_IN else None


def do_set_opt_out(*, session, conversation_id: int, opt_out: bool) -> None:
    """Honour an opt-out keyword: one confirmation SMS, then nothing more until they opt in."""
    conv = session.get(Conversation, conversation_id)
    citizen = session.get(Citizen, conv.citizen_id)
    if opt_out:
        # The confirmation is queued before the opt-out takes effect (the outbox checks at flush).
        do_append_message(session=session, conv=conv, kind=MsgKind.OUTBOUND,
                          body=citizen_text(session, conv, "sms.opted_out"))
        session.flush()
        citizen.sms_opt_out_at = clock.now()
    else:
        citizen.sms_opt_out_at = None
        do_append_message(session=session, conv=conv, kind=MsgKind.OUTBOUND,
                          body=citizen_text(session, conv, "sms.opted_in"))
    do_record_event(session=session, conv=conv, kind="sms_opt_out" if opt_out else "sms_opt_in")
    inbound = session.scalar(select(func.count()).select_from(Message).where(
        Message.conversation_id == conv.id, Message.kind == MsgKind.INBOUND))
    if conv.status in (ConvStatus.QUEUED, ConvStatus.BOT) and inbound == 1:
        # The keyword was all this contact was about: it closes itself, no agent is offered it.
        center = center_service.get(session)
        do_close_with_record(session=session, conv=conv, agent=None,
                             category=catalogue.staff_text("record.category_sms_settings", center),
                             summary=catalogue.staff_text("record.opted_out" if opt_out else "record.opted_in", center),
                             resolution=Resolution.SOLVED)


def submit_bot_turn(app, conversation_id: int, text: str, seq: int, attachments: list[dict] | None = None) -> None:
    """Queue a bot turn for message `seq` (with the files that came with it) unless this process
    has it queued or running already."""
    pending: set = app.state.bot_pending
    if (conversation_id, seq) in pending:
        return
    pending.add((conversation_id, seq))
    fut = app.state.bot_pool.submit(_bot_reply, app, conversation_id, text, seq, attachments or [])
    fut.add_done_callback(lambda _f: pending.discard((conversation_id, seq)))


def _bot_reply(app, conversation_id: int, text: str, seq: int, attachments: list[dict]) -> None:
    try:
        bot_turn(factory=app.state.session_factory, knowledge=app.state.knowledge,
                 conversation_id=conversation_id, text=text, reply_to_seq=seq, recognizer=app.state.procedures,
                 attachments=attachments)
    except Exception:  # the message is stored; an agent sees it if the bot could not answer
        log.exception("bot turn for SMS conversation %s failed", conversation_id)


@router.get("/dlr", response_class=PlainTextResponse)
def kannel_dlr(
    session: SessionDep, token: KannelToken, id: Annotated[int, Query(ge=1, le=MAX_ID)],
    type: Annotated[int, Query(ge=0, le=255)], reply: Annotated[str, Query(max_length=500)] = "",
) -> str:
    """A delivery report for outbox row `id` (1 delivered, 2 failed, 4 buffered, 8 submitted,
    16 rejected)."""
    if do_delivery_report(session=session, item_id=id, kind=type, reply=reply) is None:
        raise NotFound(f"no outbox message {id}")
    session.commit()  # in this thread, now: the writer lock is not held across a thread hop
    return ""


def unanswered(session, *, older_than_s: float = 20.0,
               limit: int = 5000) -> list[tuple[int, str, int, list[dict]]]:
    """SMS contacts still with the bot whose last message from the citizen has no reply after it
    and is older than `older_than_s`: their bot turn was lost (the process stopped first)."""
    last_in = (select(Message.conversation_id, func.max(Message.seq).label("seq"))
               .where(Message.kind == MsgKind.INBOUND).group_by(Message.conversation_id).subquery())
    last_out = (select(Message.conversation_id, func.max(Message.seq).label("seq"))
                .where(Message.kind == MsgKind.OUTBOUND).group_by(Message.conversation_id).subquery())
    rows = session.execute(
        select(Conversation.id, Message.body, Message.seq, Message.attachments)
        .join(last_in, last_in.c.conversation_id == Conversation.id)
        .outerjoin(last_out, last_out.c.conversation_id == Conversation.id)
        .join(Message, (Message.conversation_id == Conversation.id) & (Message.seq == last_in.c.seq))
        .where(Conversation.channel == "sms", Conversation.status == ConvStatus.BOT,
               (last_out.c.seq.is_(None)) | (last_out.c.seq < last_in.c.seq),
               Message.created_at < clock.now() - timedelta(seconds=older_than_s))
        .order_by(Conversation.id)
        .limit(limit)
    ).all()
    return [(cid, body, seq, list(files or [])) for cid, body, seq, files in rows]


async def answer_lost_turns(app, *, every_s: float = 5.0) -> None:
    """Background task: give the bot turns lost in a crash to the bot again."""
    while True:
        await asyncio.sleep(every_s)
        try:
            def find():  # on the read-only engine: no writer waits for this scan
                with session_scope(app.state.read_factory) as s:
                    return unanswered(s)
            # A turn waiting in this process's backlog is not given twice; one given by another
            # process too is keyed to the message's seq, so whichever runs second records nothing.
            for conv_id, text, seq, files in await anyio.to_thread.run_sync(find):
                submit_bot_turn(app, conv_id, text, seq, files)
        except Exception:
            log.exception("looking for unanswered SMS failed")
