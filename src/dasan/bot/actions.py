"""The bot's turn in a conversation: search outside any transaction, then record the reply."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dasan.bot import procedures
from dasan.bot.core import BotTurn, choose_reply, fit_for_channel, wants_human
from dasan.bot.language import detect
from dasan.bot.recognizer import ProcedureRecognizer, department_name, published_services
from dasan.cases.actions import do_open_case
from dasan.cases.models import CaseType
from dasan.cases.open311.service import district_named
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
from dasan.knowledge.service import Found, KnowledgeSearch
from dasan.observability import metrics
from dasan.routing.core import queue_for
from dasan.trends.actions import notice_for

BOT_EVENTS = ("bot_answered", "bot_choices", "bot_smalltalk", "bot_handoff", "bot_procedure")
# Channels whose photos reach the bot's turn (a procedure asks for one there): the web chat's
# uploads, and MMS in the SMS thread. Outside a procedure, a photo goes to an agent.
PHOTO_CHANNELS = frozenset({"webchat", "sms"})


def _last_bot_event(session: Session, conv_id: int) -> ConversationEvent | None:
    return session.scalar(select(ConversationEvent).where(ConversationEvent.conversation_id == conv_id,
                                                          ConversationEvent.kind.in_(BOT_EVENTS))
                          .order_by(ConversationEvent.id.desc()).limit(1))


def _pending_choices(last: ConversationEvent | None) -> list[int]:
    return list(last.data.get("article_ids", [])) if last is not None and last.kind == "bot_choices" else []


def in_procedure(session: Session, conv_id: int) -> bool:
    """The citizen is in the middle of a procedure with the bot (a photo they send answers it)."""
    return _open_procedure(_last_bot_event(session, conv_id)) is not None


def _open_procedure(last: ConversationEvent | None) -> procedures.State | None:
    """The procedure the citizen is in the middle of (its last question is unanswered)."""
    if last is None or last.kind != "bot_procedure" or last.data.get("action") != "ask":
        return None
    return procedures.State.from_json(last.data["state"])


def bot_may_answer(conv: Conversation) -> bool:
    """With the bot first, or waiting in line after taking the bot offer (the place is kept)."""
    return conv.status == ConvStatus.BOT or (
        conv.status == ConvStatus.QUEUED and "bot_accepted" in (conv.offers_made or "").split(","))


def bot_turn(*, factory: sessionmaker[Session], knowledge: KnowledgeSearch, conversation_id: int,
             text: str, reply_to_seq: int | None = None, recognizer: ProcedureRecognizer | None = None,
             attachments: list[dict] | None = None) -> BotTurn | None:
    """Answer one citizen message if the conversation is still with the bot; returns what it did.

    A message that asks for a procedure the center offers (`recognizer`) starts its dialogue, and
    while one is open each message answers its question (`attachments`: what came with it).

    With `reply_to_seq` (the citizen message's seq) the reply is keyed to that message: a second
    turn for the same message (a crash sweeper racing a backlog, two processes) records nothing,
    so a citizen never gets the same answer twice."""
    with metrics.timed(metrics.BOT_TURN_SECONDS):
        return _bot_turn(factory=factory, knowledge=knowledge, conversation_id=conversation_id, text=text,
                         reply_to_seq=reply_to_seq, recognizer=recognizer, attachments=attachments)


def _bot_turn(*, factory: sessionmaker[Session], knowledge: KnowledgeSearch, conversation_id: int,
              text: str, reply_to_seq: int | None, recognizer: ProcedureRecognizer | None,
              attachments: list[dict] | None) -> BotTurn | None:
    with session_scope(factory) as s:
        conv = s.get(Conversation, conversation_id)
        if conv is None or not bot_may_answer(conv):
            return None
        last = _last_bot_event(s, conv.id)
        pending = _pending_choices(last)
        open_procedure = _open_procedure(last)
        known_lang = conv.lang
        center = center_service.get(s)
        services = published_services(s) if recognizer is not None or open_procedure else []
    source = center.default_lang  # the language the departments write their articles in
    lang = detect(text, default=known_lang)
    if not center.serves(lang):
        lang = known_lang if center.serves(known_lang) else source
    if open_procedure is not None or recognizer is not None:
        done = _procedure_turn(factory=factory, knowledge=knowledge, recognizer=recognizer, services=services,
                               conversation_id=conversation_id, state=open_procedure, text=text, lang=lang,
                               attachments=attachments or [], key=f"bot:{reply_to_seq}" if reply_to_seq else None)
        if done is not None:
            return None if done.action == "none" else done
    if attachments:  # a photo or file outside a procedure: a person must look at it
        turn = BotTurn(action="handoff", text=catalogue.text("bot.handoff", lang, center), reason="attachment")
        with session_scope(factory) as s:
            conv = s.get(Conversation, conversation_id, with_for_update=True)
            if conv is None or not bot_may_answer(conv):
                return None
            do_handoff(session=s, conv=conv, turn=turn, lang=lang,
                       client_msg_id=f"bot:{reply_to_seq}" if reply_to_seq else None)
        return turn
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
    if turn.reason == "requested" and pending:
        # Asked for a person after the bot offered choices: the agent sees what it offered.
        offered = {a.id: a for a in knowledge.articles}
        turn.candidates = [Found(article=offered[i], score=0.0) for i in pending if i in offered]
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
        notice = notice_for(s, conv.id, text)
        if notice is not None:  # an emerging issue the center has a word about: said first, once per contact
            do_append_message(session=s, conv=conv, kind=MsgKind.OUTBOUND, body=notice.text,
                              client_msg_id=f"{key}:notice" if key else None)
            do_record_event(session=s, conv=conv, kind="bot_notice", data={"notice_id": notice.id})
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
    known = {"requested", "low_confidence", "no_translation", "no_match", "attachment", "procedure"}
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
    # The line of the language the citizen wrote in — unless, in the center's own language, the
    # contact opened in a line of its own (a department page's widget chooses one).
    language_lines = {queue_for(code, center.default_lang) for code in center.languages}
    if lang != center.default_lang or conv.queue_code in language_lines:
        conv.queue_code = queue_for(lang, center.default_lang)
    session.flush()
    do_record_event(session=session, conv=conv, kind="bot_handoff",
                    data={"reason": turn.reason, "candidates": [f.article.id for f in turn.candidates],
                          "queue": conv.queue_code, "interpreting": turn.reason == "no_translation"})
    notify_conversation(session, conv)
    notify_citizen_status(session, conv, position=1)


def _procedure_turn(*, factory: sessionmaker[Session], knowledge: KnowledgeSearch,
                    recognizer: ProcedureRecognizer | None, services: list, conversation_id: int,
                    state: procedures.State | None, text: str, lang: str, attachments: list[dict],
                    key: str | None) -> BotTurn | None:
    """A step of a procedure, or the start of one; None when the message is not about one."""
    by_code = {svc.code: (ct, svc) for ct, svc in services}
    found = None
    if state is not None and state.service not in by_code:
        state = None  # the service was withdrawn meanwhile: the message is an ordinary one
    if state is None:
        if recognizer is None or wants_human(text):
            return None
        knowledge.refresh()
        recognizer.refresh(services, knowledge.index.docs)
        found = recognizer.recognize(text)
        if found is None:
            return None
    with session_scope(factory) as s:
        conv = s.get(Conversation, conversation_id, with_for_update=True)
        if conv is None or not bot_may_answer(conv):
            return BotTurn(action="none")
        if key and s.scalar(select(Message.id).where(Message.conversation_id == conv.id,
                                                     Message.client_msg_id == key)) is not None:
            return BotTurn(action="none")  # this message was answered already
        center = center_service.get(s)
        photos = conv.channel in PHOTO_CHANNELS
        if state is None:
            assert found is not None
            reply = procedures.start(found.service, lang=lang, description=text, photos=photos)
        else:
            lang = state.lang  # the dialogue stays in the language it began in
            if wants_human(text):
                reply = procedures.Reply("handoff", state, "bot.proc_handoff")
            else:
                reply = procedures.answer(state, by_code[state.service][1], text=text, attachments=attachments,
                                          photos=photos, district_of=lambda a: district_named(s, a) or None)
        params = dict(reply.params)
        ctype: CaseType = by_code[reply.state.service][0]
        number = ""
        if reply.action == "open":
            st = reply.state
            details = "; ".join(f"{k}: {v}" for k, v in st.values.items())
            case = do_open_case(session=s, ctype=ctype, title=f"{ctype.name} — {st.place}"[:300],
                                description="\n".join(x for x in (st.description, details) if x),
                                conversation=conv, district_code=st.district, address=st.place,
                                attributes=st.values, source="chat")
            number = case.number or ""
            params.update(number=number, department=department_name(s, ctype))
        conv.lang = lang
        body = catalogue.text(reply.key, lang, center, **params)
        do_record_event(session=s, conv=conv, kind="bot_procedure",
                        data={"action": reply.action, "service": ctype.code, "state": reply.state.as_json(),
                              **({"case_number": number} if number else {})})
        if reply.action == "handoff":
            turn = BotTurn(action="handoff", text=body, reason="procedure")
            do_handoff(session=s, conv=conv, turn=turn, lang=lang, client_msg_id=key)
            return turn
        do_append_message(session=s, conv=conv, kind=MsgKind.OUTBOUND, body=body, client_msg_id=key)
        return BotTurn(action="procedure", text=body, reason=reply.action)
