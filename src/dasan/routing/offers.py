"""Offers made to citizens while they wait: a callback (keeping their place, or at a reserved time) and the bot."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from dasan.center import service as center_service
from dasan.conversations.actions import (
    citizen_text,
    do_append_message,
    do_record_event,
    notify_citizen_status,
    notify_conversation,
)
from dasan.conversations.models import Conversation, ConvStatus, MsgKind
from dasan.core import clock
from dasan.core import phone as phone_rules
from dasan.core.errors import Conflict, Invalid
from dasan.db.engine import rowcount
from dasan.i18n.dates import local_datetime
from dasan.routing.service import offers_of, offers_open


def do_make_offers(*, session: Session, conversation_id: int, offers: list[str], before: str) -> bool:
    """Record offers the engine found due and tell the citizen; once only, whichever process is
    first (a conditional update on what was offered before)."""
    current = {o for o in before.split(",") if o}
    after = ",".join(sorted(current | set(offers)))
    moved = rowcount(session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.status == ConvStatus.QUEUED,
               Conversation.offers_made == before)
        .values(offers_made=after)
        .execution_options(synchronize_session=False)
    ))
    if moved != 1:
        return False
    conv = session.get_one(Conversation, conversation_id)
    session.refresh(conv)
    for kind in offers:
        do_append_message(session=session, conv=conv, kind=MsgKind.SYSTEM,
                          body=citizen_text(session, conv, f"system.offer_{kind}"))
        do_record_event(session=session, conv=conv, kind=f"{kind}_offered")
    notify_citizen_status(session, conv, offers=sorted(offers_open(conv)))
    return True


RESERVE_AHEAD = timedelta(days=7)


def do_request_callback(*, session: Session, conv: Conversation, phone: str,
                        at: datetime | None = None) -> Conversation:
    """The citizen takes the callback offer: keeps the place in line (or, with `at`, reserves a
    time: the contact rejoins the line then); whoever answers calls back."""
    if conv.status not in (ConvStatus.QUEUED, ConvStatus.OFFERED) or "callback" not in offers_of(conv):
        raise Conflict("a callback can be requested only while waiting, after it was offered", code="no_callback")
    center = center_service.get(session)
    e164 = phone_rules.try_normalize(phone, center.country)
    if e164 is None or len(phone_rules.digits(e164)) < 7:
        raise Invalid(f"give a phone number to call back, e.g. {phone_rules.example(center.country)}",
                      code="bad_phone")
    number = phone_rules.for_display(e164, center.country)  # as the agent who dials it writes it
    now = clock.now()
    if at is not None and (at.tzinfo is None or at <= now or at > now + RESERVE_AHEAD):
        raise Invalid("a reserved time must be in the future, within 7 days, with its time zone", code="bad_time")
    if conv.callback_number is None:
        conv.callback_number = number
        if at is not None and conv.status == ConvStatus.QUEUED:
            conv.callback_at = at
            body = citizen_text(session, conv, "system.callback_at", phone=number,
                                when=local_datetime(center.local(at), conv.lang))
        else:
            body = citizen_text(session, conv, "system.callback_turn", phone=number)
        do_append_message(session=session, conv=conv, kind=MsgKind.SYSTEM, body=body)
        do_record_event(session=session, conv=conv, kind="callback_requested",
                        data={"at": at.isoformat() if at is not None and conv.callback_at else None})
        notify_conversation(session, conv)
        notify_citizen_status(session, conv, offers=sorted(offers_open(conv)))
    return conv


def do_accept_bot_offer(*, session: Session, conv: Conversation) -> Conversation:
    """The citizen takes the bot offer: the bot answers while they keep their place in line."""
    if conv.status != ConvStatus.QUEUED or "bot" not in offers_of(conv):
        raise Conflict("the assistant can be asked only while waiting, after it was offered", code="no_bot_offer")
    if "bot_accepted" not in offers_of(conv):
        conv.offers_made = ",".join(sorted(offers_of(conv) | {"bot_accepted"}))
        do_append_message(session=session, conv=conv, kind=MsgKind.SYSTEM,
                          body=citizen_text(session, conv, "system.bot_offer_accepted"))
        do_record_event(session=session, conv=conv, kind="bot_offer_accepted")
        notify_citizen_status(session, conv, offers=sorted(offers_open(conv)))
    return conv
