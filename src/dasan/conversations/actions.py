"""Writes to the consultation record, with the events they cause (sent after commit)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dasan.abuse.detect import detect as detect_abuse
from dasan.center import service as center_service
from dasan.conversations.models import (
    Citizen,
    CitizenIdentity,
    ConsultationRecord,
    Conversation,
    ConversationEvent,
    ConvStatus,
    Message,
    MsgKind,
    Resolution,
)
from dasan.conversations.service import conversation_data, get_citizen_by_identity, message_data
from dasan.core import clock
from dasan.core import phone as phone_rules
from dasan.core.commit import ROUTING, on_commit
from dasan.core.errors import Conflict, Invalid
from dasan.events.actions import drop_pending_since, pending_mark, send_event_on_commit
from dasan.events.schemas import (
    Audience,
    CitizenStatus,
    ConversationUpdated,
    MessageCreated,
)
from dasan.i18n import catalogue
from dasan.orgs.models import LegacyLine, Role, User

# Who watches every contact live (the supervisor view is open to both).
SUPERVISING_ROLES = [Role.SUPERVISOR.value, Role.ADMIN.value]
# What else happens when a citizen's message is found abusive, (session, conversation, kind):
# the protection policy's automatic step (`protect`), installed by the composition root.
log = logging.getLogger(__name__)
ABUSE_HOOKS: list[Callable[[Session, Conversation, str], None]] = []
# What else opens a new contact, (session, conversation): the center's notice where the channel's
# policy says so (`protect`), installed by the composition root.
START_HOOKS: list[Callable[[Session, Conversation], None]] = []
# Called when a contact closes with its record (quality's happy-call draw), inside a savepoint:
# a failing hook is logged and never keeps the contact from closing.
CLOSE_HOOKS: list[Callable[[Session, Conversation, ConsultationRecord], object]] = []


def do_get_or_create_citizen(
    *, session: Session, kind: str, value: str, display_name: str = "", phone: str = "", email: str = "",
    lang: str | None = None,
) -> Citizen:
    """The citizen a channel identity belongs to, created on first contact. A phone number,
    however written, is one identity (E.164, `core.phone`)."""
    center = center_service.get(session)
    if kind == "phone":
        try:
            value = phone_rules.normalize(value, center.country)
        except phone_rules.InvalidPhone as e:
            raise Invalid(str(e), code="bad_phone") from None
        phone = value
    lang = lang or center.default_lang
    found = get_citizen_by_identity(session=session, kind=kind, value=value)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            citizen = Citizen(display_name=display_name, phone=phone, email=email, lang=lang)
            session.add(citizen)
            session.flush()
            session.add(CitizenIdentity(citizen_id=citizen.id, kind=kind, value=value))
            session.flush()
            return citizen
    except IntegrityError:
        # Another request created the same identity first: use theirs.
        found = get_citizen_by_identity(session=session, kind=kind, value=value)
        if found is None:
            raise
        return found


def citizen_text(session: Session, conv: Conversation, key: str, **params: object) -> str:
    """A message of the catalogue in the conversation's language, for the citizen to read."""
    return catalogue.text(key, conv.lang, center_service.get(session), **params)


def do_record_event(
    *, session: Session, conv: Conversation, kind: str, actor_id: int | None = None, data: dict | None = None
) -> None:
    """Append to the conversation's history (never updated or deleted)."""
    session.add(ConversationEvent(conversation_id=conv.id, kind=kind, actor_id=actor_id, data=data or {}))


def notify_conversation(session: Session, conv: Conversation, *, extra_users: tuple[int | None, ...] = ()) -> None:
    """Tell supervisors and the agents involved that a conversation changed."""
    citizen = session.get(Citizen, conv.citizen_id)
    users = {u for u in (conv.agent_id, conv.offered_to_id, *extra_users) if u}
    send_event_on_commit(
        session,
        Audience(user_ids=sorted(users), roles=SUPERVISING_ROLES),
        ConversationUpdated(data=conversation_data(conv, citizen)),
    )


def notify_citizen_status(session: Session, conv: Conversation, **data: object) -> None:
    """Tell the citizen side how their contact stands."""
    send_event_on_commit(
        session,
        Audience(citizen_conversation_id=conv.id),
        CitizenStatus(data={"conversation_id": conv.id, "status": conv.status, **data}),
    )


def do_start_conversation(
    *, session: Session, citizen: Citizen, channel: str, lang: str | None = None, queue_code: str = "general",
    dialled_number: str = "", bot: bool = False,
) -> Conversation:
    """Open a new contact: with the bot first (`bot=True`), or straight into its queue. Its
    language is the center's default unless the channel knows better."""
    now = clock.now()
    lang = lang or center_service.get(session).default_lang
    # A repeat offender (M17) goes straight to the dedicated team's queue, with the warning first.
    restricted = citizen.restricted_until is not None and citizen.restricted_until > now
    if restricted:
        bot = False
        queue_code = citizen.restricted_queue or queue_code
    department_id = None
    if dialled_number:
        line = session.scalar(select(LegacyLine).where(LegacyLine.number == dialled_number))
        department_id = line.department_id if line else None
    conv = Conversation(
        citizen_id=citizen.id, channel=channel, lang=lang, queue_code=queue_code,
        status=ConvStatus.BOT if bot else ConvStatus.QUEUED, dialled_number=dialled_number,
        department_id=department_id, created_at=now, queued_at=None if bot else now,
    )
    session.add(conv)
    session.flush()
    do_record_event(session=session, conv=conv, kind="bot_started" if bot else "queued", data={"queue": queue_code})
    for hook in START_HOOKS:
        hook(session, conv)
    if restricted:
        assert citizen.restricted_until is not None
        do_record_event(session=session, conv=conv, kind="offender_routed",
                        data={"queue": queue_code, "until": citizen.restricted_until.isoformat()})
        if channel != "voice":  # a call hears it as a prompt before it is queued
            do_append_message(session=session, conv=conv, kind=MsgKind.OUTBOUND,
                              body=citizen_text(session, conv, "protect.offender_notice"))
    notify_conversation(session, conv)
    notify_citizen_status(session, conv)
    if not bot:
        on_commit(session, ROUTING)
    return conv


def _find_duplicate(
    session: Session, conv: Conversation, client_msg_id: str | None, channel: str, external_id: str | None
) -> Message | None:
    if client_msg_id:
        dup = session.scalar(
            select(Message).where(Message.conversation_id == conv.id, Message.client_msg_id == client_msg_id)
        )
        if dup is not None:
            return dup
    if external_id:
        return session.scalar(select(Message).where(Message.channel == channel, Message.external_id == external_id))
    return None


def do_append_message(
    *, session: Session, conv: Conversation, kind: MsgKind, body: str, author: User | None = None,
    client_msg_id: str | None = None, external_id: str | None = None, sent_at: datetime | None = None,
    attachments: list | None = None, max_chars: int = 4000, notice: bool = False,
) -> tuple[Message, bool]:
    """Store a message exactly once; returns (message, created). Resends return the stored one.
    A `notice` (news of the citizen's case, a survey) may follow a contact that has closed."""
    body = body.strip()
    if not body and not attachments:
        raise Invalid("message text is empty", code="empty_message")
    if len(body) > max_chars:
        raise Invalid(f"message is longer than {max_chars} characters", code="message_too_long")
    dup = _find_duplicate(session, conv, client_msg_id, conv.channel, external_id)
    if dup is not None:
        return dup, False
    if conv.status == ConvStatus.CLOSED and not notice:
        raise Conflict("conversation is closed", code="conversation_closed")
    try:
        with session.begin_nested():
            # Atomic increment: two writers (citizen and agent, or two processes) never share a seq.
            seq = session.execute(
                update(Conversation)
                .where(Conversation.id == conv.id)
                .values(last_seq=Conversation.last_seq + 1)
                .returning(Conversation.last_seq)
            ).scalar_one()
            msg = Message(
                conversation_id=conv.id, seq=seq, kind=kind, author_id=author.id if author else None, body=body,
                channel=conv.channel, client_msg_id=client_msg_id, external_id=external_id, sent_at=sent_at,
                attachments=attachments or [], created_at=clock.now(),
            )
            verdict = detect_abuse(body, conv.lang) if kind == MsgKind.INBOUND else None
            msg.abuse = verdict.kind if verdict else None
            session.add(msg)
            session.flush()
            if verdict is not None:
                do_record_event(session=session, conv=conv, kind="abuse_flagged",
                                data={"message_id": msg.id, "seq": seq, "kind": verdict.kind, "score": verdict.score,
                                      "words": list(verdict.words)})
    except IntegrityError:
        dup = _find_duplicate(session, conv, client_msg_id, conv.channel, external_id)
        if dup is None:
            raise
        return dup, False
    conv.last_seq = seq
    data = message_data(msg, author.display_name if author else "")
    if kind == MsgKind.NOTE:
        audience = Audience(user_ids=[u for u in (conv.agent_id,) if u])
    else:
        audience = Audience(
            user_ids=[u for u in (conv.agent_id, conv.offered_to_id) if u], citizen_conversation_id=conv.id
        )
    send_event_on_commit(session, audience, MessageCreated(data=data))
    if verdict is not None:
        for hook in ABUSE_HOOKS:
            try:  # the citizen's message is stored whatever a hook does
                with session.begin_nested():
                    hook(session, conv, verdict.kind)
            except Exception:
                log.exception("abuse hook %s failed on conversation %s", getattr(hook, "__name__", hook), conv.id)
    return msg, True


def do_close_with_record(
    *, session: Session, conv: Conversation, agent: User | None, category: str, summary: str,
    resolution: Resolution,
) -> ConsultationRecord:
    """End the contact (if still open) and write the consultation record; exactly one per contact."""
    if conv.status == ConvStatus.CLOSED:
        raise Conflict("this consultation already has its record", code="already_closed")
    now = clock.now()
    if conv.ended_at is None:
        conv.ended_at = now
    wait_s = ((conv.answered_at or conv.ended_at) - (conv.queued_at or conv.created_at)).total_seconds()
    handle_s = (now - conv.answered_at).total_seconds() if conv.answered_at else 0.0
    record = ConsultationRecord(
        conversation_id=conv.id, citizen_id=conv.citizen_id, agent_id=agent.id if agent else None,
        channel=conv.channel, category=category.strip(), summary=summary.strip(), resolution=resolution,
        wait_s=max(wait_s, 0.0), handle_s=max(handle_s, 0.0), closed_at=now,
    )
    session.add(record)
    previous = conv.status
    conv.status = ConvStatus.CLOSED
    conv.closed_at = now
    conv.offered_to_id = None
    conv.offer_expires_at = None
    session.flush()
    do_record_event(
        session=session, conv=conv, kind="closed", actor_id=agent.id if agent else None,
        data={"resolution": resolution.value, "category": category, "from": previous},
    )
    for hook in CLOSE_HOOKS:
        mark = pending_mark(session)
        try:
            with session.begin_nested():
                hook(session, conv, record)
        except Exception:
            drop_pending_since(session, mark)
            log.exception("close hook %s failed on conversation %s", getattr(hook, "__name__", hook), conv.id)
    notify_conversation(session, conv)
    notify_citizen_status(session, conv)
    on_commit(session, ROUTING)  # places in line moved up
    return record
