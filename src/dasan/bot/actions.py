"""The bot's turn in a conversation: search outside any transaction, then record the reply."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dasan.bot.core import BotTurn, choose_reply, fit_for_channel
from dasan.bot.language import detect
from dasan.center import service as center_service
from dasan.conversations.actions import (
    do_append_message,
    do_record_event,
    notify_citizen_status,
    notify_conversation,
)
from dasan.conversations.models import Conversation, ConversationEvent, ConvStatus, Message, MsgKind
from dasan.core import clock
from dasan.core.commit import ROUTING, on_commit
from dasan.db.engine import session_scope
from dasan.i18n import catalogue
from dasan.knowledge.actions import do_count_usage
from dasan.knowledge.service import KnowledgeSearch
from dasan.routing.core import queue_for

BOT_EVENTS = ("bot_answered", "bot_choices", "bot_smalltalk", "bot_handoff")


def _pending_choices(session: Session, conv_id: int) -> list[int]:
    last = session.scalar(select(ConversationEvent).where(ConversationEvent.conversation_id == conv_id,
                                                         ConversationEvent.kind.in_(BOT_EVENTS))
                          .order_by(ConversationEvent.id.desc()).limit(1))
    return list(last.data.get("article_ids", [])) if last is not None and last.kind == "bot_choices" else []


def bot_may_answer(conv: Conversation) -> bool:
    """With the bot first, or waiting in line after taking the bot offer (the place is kept)."""
    return conv.status == ConvStatus.BOT or (
        conv.status == ConvStatus.QUEUED and "bot_accepted" in (conv.offers_made or "").split(","))


def bot_turn(*, factory: sessionmaker[Session], knowledge: KnowledgeSearch, conversation_id: int,
             text: str, reply_to_seq: int | None = None) -> BotTurn | None:
    """Answer one citizen message if the conversation is still with the bot; returns what it did.

    With `reply_to_seq` (the citizen message's seq) the reply is keyed to that message: a second
    turn for the same message (a crash sweeper racing a backlog, two processes) records nothing,
    so a citizen never gets the same answer twice."""
    with session_scope(factory) as s:
        conv = s.get(Conversation, conversation_id)
        if conv is None or not bot_may_answer(conv):
            return None
        pending = _pending_choices(s, conv.id)
        known_lang = conv.lang
        center = center_service.get(s)
    source = center.default_lang  # the language the departments write their articles in
    lang = detect(text, default=known_lang)
    if not center.serves(lang):
        lang = known_lang if center.serves(known_lang) else source
    # Searches run outside any transaction (tens of milliseconds).
    found, result = knowledge.search(text, lang=lang, k=5)
    decision = knowledge.decision(lang)  # after the search: it brings the index up to date
    native = lang == source or (bool(found) and decision.answers(result))
    if not native:
        # No confident answer written in the citizen's language: an agent who speaks it takes
        # over (interpreting where needed), with the Korean candidates as a head start.
        found, result = knowledge.search(text, lang=source, k=5)
    turn = choose_reply(text=text, lang=lang, found=found, result=result, decision=decision,
                        pending_choices=pending, has_native_match=native, center=center)
    by_id = {f.article.id: f.article for f in found}
    key = f"bot:{reply_to_seq}" if reply_to_seq is not None else None
    with session_scope(factory) as s:
        # The row lock (PostgreSQL; SQLite writers are serialised already) orders two turns for
        # the same message, so the second one sees the first one's reply.
        conv = s.get(Conversation, conversation_id, with_for_update=True)
        if conv is None or not bot_may_answer(conv):
            return None  # a human took over meanwhile
        if key and s.scalar(select(Message.id).where(Message.conversation_id == conv.id,
                                                     Message.client_msg_id == key)) is not None:
            return None  # this message was answered already
        conv.lang = lang
        if turn.action == "answer":
            article = by_id.get(turn.article_ids[0])
            if article is None:  # a choice offered in an earlier turn
                article = next((a for a in knowledge.articles if a.id == turn.article_ids[0]), None)
            body = (fit_for_channel(article.title, article.body, catalogue.text("bot.answer_footer", lang, center),
                                    conv.channel, catalogue.text("bot.more", lang, center))
                    if article else catalogue.text("bot.handoff", lang, center))
            do_append_message(session=s, conv=conv, kind=MsgKind.OUTBOUND, body=body, client_msg_id=key)
            do_record_event(session=s, conv=conv, kind="bot_answered",
                            data={"article_id": turn.article_ids[0], "reason": turn.reason,
                                  "margin": round(result.margin, 3), "cos": round(result.top_cos, 4)})
            do_count_usage(session=s, article_ids=turn.article_ids)
        elif turn.action in ("choices", "smalltalk"):
            do_append_message(session=s, conv=conv, kind=MsgKind.OUTBOUND, body=turn.text, client_msg_id=key)
            do_record_event(session=s, conv=conv, kind=f"bot_{turn.action}",
                            data={"article_ids": turn.article_ids, "reason": turn.reason})
        else:
            do_handoff(session=s, conv=conv, turn=turn, lang=lang, client_msg_id=key)
    return turn


def do_handoff(*, session: Session, conv: Conversation, turn: BotTurn, lang: str,
               client_msg_id: str | None = None) -> None:
    """Put the contact in the queue with what the bot knew: the reason and its candidates."""
    do_append_message(session=session, conv=conv, kind=MsgKind.OUTBOUND, body=turn.text, client_msg_id=client_msg_id)
    center = center_service.get(session)
    known = {"requested", "low_confidence", "no_translation", "no_match", "attachment"}
    reason = (catalogue.staff_text(f"handoff.{turn.reason}", center, lang=lang) if turn.reason in known
              else turn.reason)
    lines = [catalogue.staff_text("note.bot_handoff", center, reason=reason, code=turn.reason)]
    lines += [catalogue.staff_text("note.bot_candidate", center, n=i, title=f.article.title,
                                   department=f.article.department, score=f"{f.score:.2f}")
              for i, f in enumerate(turn.candidates, 1)]
    do_append_message(session=session, conv=conv, kind=MsgKind.NOTE, body="\n".join(lines))
    if conv.status == ConvStatus.QUEUED:  # asked the bot while waiting: already in line, place kept
        do_record_event(session=session, conv=conv, kind="bot_handoff",
                        data={"reason": turn.reason, "candidates": [f.article.id for f in turn.candidates],
                              "queue": conv.queue_code, "while_queued": True})
        return
    conv.status = ConvStatus.QUEUED
    conv.queued_at = clock.now()
    on_commit(session, ROUTING)
    conv.queue_code = queue_for(lang, center.default_lang)
    session.flush()
    do_record_event(session=session, conv=conv, kind="bot_handoff",
                    data={"reason": turn.reason, "candidates": [f.article.id for f in turn.candidates],
                          "queue": conv.queue_code, "interpreting": turn.reason == "no_translation"})
    notify_conversation(session, conv)
    notify_citizen_status(session, conv, position=1)
