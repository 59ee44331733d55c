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

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse

from dasan.bot.actions import bot_turn
from dasan.channels.intake import IntakeMessage, Sender, do_intake
from dasan.core.deps import SessionDep, SettingsDep, TokenAuth
from dasan.core.errors import Invalid, NotFound
from dasan.outbox.actions import do_delivery_report
from dasan.security.models import ApiToken

router = APIRouter(prefix="/channels/sms/kannel", tags=["channels"])
KannelToken = Annotated[ApiToken, Depends(TokenAuth(query=True, channel="sms"))]


@router.get("/mo", response_class=PlainTextResponse)
def kannel_mo(
    request: Request, session: SessionDep, settings: SettingsDep, token: KannelToken,
    sender: Annotated[str, Query(alias="from", min_length=3, max_length=40)],
    text: Annotated[str, Query(max_length=4000)] = "",
    to: Annotated[str, Query(max_length=40)] = "",
    id: Annotated[str, Query(min_length=1, max_length=100)] = "",
) -> str:
    """One message from a citizen's phone; idempotent on Kannel's message id (smsbox retries a
    get-url that failed, with the same id). The empty answer means: no automatic reply."""
    if not id:
        raise Invalid("the Kannel message id (%I) is missing", code="missing_id")
    if not text.strip():
        raise Invalid("empty message", code="empty_message")
    msg = IntakeMessage(channel="sms", external_id=f"kannel:{id}", sender=Sender(phone=sender), text=text,
                        sent_at=datetime.now(UTC), dialled_number=to or None)
    accepted, started = do_intake(session=session, msg=msg, max_chars=settings.max_message_chars,
                                  bot=settings.bot_enabled)
    session.commit()
    if not accepted.duplicate:
        # The same bot as web chat answers first (outside any transaction; its reply goes out
        # through the outbox); a hand-off puts the contact in the queue.
        turn = bot_turn(factory=request.app.state.session_factory, knowledge=request.app.state.knowledge,
                        conversation_id=accepted.conversation_id, text=text)
        started = started or (turn is not None and turn.action == "handoff")
    if started:
        request.app.state.dispatcher.kick()
    return ""


@router.get("/dlr", response_class=PlainTextResponse)
def kannel_dlr(
    session: SessionDep, token: KannelToken, id: Annotated[int, Query(ge=1)],
    type: Annotated[int, Query(ge=0, le=255)], reply: Annotated[str, Query(max_length=500)] = "",
) -> str:
    """A delivery report for outbox row `id` (1 delivered, 2 failed, 4 buffered, 8 submitted,
    16 rejected)."""
    if do_delivery_report(session=session, item_id=id, kind=type, reply=reply) is None:
        raise NotFound(f"no outbox message {id}")
    return ""
