"""The bot in web chat: answers from published articles only, hands off with context."""

from __future__ import annotations

import time

from sqlalchemy import select

from dasan.app import create_app
from dasan.conversations.models import Conversation, ConversationEvent, Message
from dasan.db.engine import session_scope
from dasan.demo.seed import seed
from dasan.knowledge.actions import do_create_article, do_review, do_submit
from dasan.orgs.models import User


def _ask(ws, visitor, text, lang="ko", cid="m"):
    ws.send_json({"type": "hello", "visitor": visitor, "lang": lang, "after_seq": 0})
    assert ws.receive_json()["type"] == "welcome"
    return _say(ws, text, cid)


def _say(ws, text, cid):
    ws.send_json({"type": "send", "client_msg_id": cid, "text": text})
    replies = []
    while True:
        f = ws.receive_json()
        if f["type"] == "message.created" and f["data"]["kind"] == "outbound":
            replies.append(f["data"]["body"])
            return f["data"]["conversation_id"], replies[-1]


def _events(factory, conv_id):
    with session_scope(factory) as s:
        return [(e.kind, e.data) for e in s.scalars(select(ConversationEvent)
                                                     .where(ConversationEvent.conversation_id == conv_id)
                                                     .order_by(ConversationEvent.id))]


def _status(factory, conv_id):
    with session_scope(factory) as s:
        c = s.get(Conversation, conv_id)
        return c.status, c.queue_code


def test_answers_a_covered_question_with_the_article_text(bot_client):
    client, app = bot_client
    with client.websocket_connect("/ws/chat") as ws:
        conv_id, reply = _ask(ws, "a" * 20, "소파를 버리려면 어떻게 해야 하나요?")
    assert reply.startswith("대형폐기물(가구·가전) 버리는 방법")
    assert "구청 홈페이지나 대형폐기물 배출 앱" in reply  # the article's own words
    assert _status(app.state.session_factory, conv_id)[0] == "bot"
    kinds = [k for k, _ in _events(app.state.session_factory, conv_id)]
    assert kinds == ["bot_started", "bot_answered"]


def test_asking_for_a_human_always_reaches_the_queue_with_context(bot_client):
    client, app = bot_client
    factory = app.state.session_factory
    with client.websocket_connect("/ws/chat") as ws:
        conv_id, _ = _ask(ws, "b" * 20, "수도요금이 너무 많이 나왔어요")
        _, reply = _say(ws, "상담원 연결", "m2")
    assert reply.startswith("상담원에게 연결해 드리겠습니다")
    assert _status(factory, conv_id) == ("queued", "general")
    handoff = [d for k, d in _events(factory, conv_id) if k == "bot_handoff"]
    assert handoff[0]["reason"] == "requested"
    with session_scope(factory) as s:
        note = s.scalar(select(Message.body).where(Message.conversation_id == conv_id, Message.kind == "note"))
    assert note.startswith("[챗봇 이관] 사유: 시민이 상담원 연결을 요청함")


def test_a_question_no_article_covers_is_not_answered(bot_client):
    client, app = bot_client
    with client.websocket_connect("/ws/chat") as ws:
        conv_id, reply = _ask(ws, "c" * 20, "화성 탐사선 발사 일정이 어떻게 되나요?")
    events = _events(app.state.session_factory, conv_id)
    assert not any(k == "bot_answered" for k, _ in events)
    last_kind, data = events[-1]
    assert last_kind in ("bot_handoff", "bot_choices")
    if last_kind == "bot_handoff":
        assert data["reason"] in ("low_confidence", "no_match")


def test_small_talk_gets_the_fixed_reply(bot_client):
    client, _ = bot_client
    with client.websocket_connect("/ws/chat") as ws:
        _, reply = _ask(ws, "d" * 20, "안녕하세요")
    assert reply.startswith("안녕하세요, 120 다산콜센터입니다.")


def test_vietnamese_answer_where_translated_otherwise_a_vietnamese_agent(bot_client):
    client, app = bot_client
    factory = app.state.session_factory
    with client.websocket_connect("/ws/chat") as ws:
        _, reply = _ask(ws, "e" * 20, "Làm thế nào để vứt ghế sofa?", lang="vi")
    assert reply.startswith("Cách vứt rác cồng kềnh")
    with client.websocket_connect("/ws/chat") as ws:
        conv_id, reply = _ask(ws, "f" * 20, "Tôi muốn hỏi cách nộp thuế ô tô", lang="vi")
    assert reply.startswith("Đang kết nối bạn với nhân viên tư vấn")
    assert _status(factory, conv_id) == ("queued", "lang-vi")
    handoff = [d for k, d in _events(factory, conv_id) if k == "bot_handoff"][0]
    assert handoff["reason"] == "no_translation" and handoff["interpreting"] is True


def test_a_published_article_is_answered_within_two_seconds(bot_client):
    client, app = bot_client
    factory = app.state.session_factory
    with client.websocket_connect("/ws/chat") as ws:
        _ask(ws, "g" * 20, "안녕하세요")  # warm the index
    with session_scope(factory) as s:
        official = s.scalar(select(User).where(User.username == "official-recycling"))
        art = do_create_article(session=s, author=official, department_id=official.department_id,
                                title="폐건전지·폐형광등 버리는 곳",
                                body="폐건전지와 폐형광등은 동 주민센터와 아파트의 전용 수거함에 넣어 주세요.",
                                questions=["건전지 어디에 버려요", "형광등 버리는 방법"])
        do_submit(session=s, user=official, art=art)
    with session_scope(factory) as s:
        reviewer = s.scalar(select(User).where(User.username == "supervisor1"))
        from dasan.knowledge.models import Article

        do_review(session=s, reviewer=reviewer, art=s.get(Article, art.id), approve=True)
    published = time.monotonic()
    with client.websocket_connect("/ws/chat") as ws:
        _, reply = _ask(ws, "h" * 20, "다 쓴 건전지는 어디에 버리나요?")
    assert time.monotonic() - published < 2.0
    assert reply.startswith("폐건전지·폐형광등 버리는 곳")


def test_publication_reaches_another_process(settings):
    """Two apps on one database: what one publishes, the other's index picks up at its next search."""
    a = create_app(settings.model_copy(update={"bot_enabled": True}))
    b = create_app(settings.model_copy(update={"bot_enabled": True}))
    with session_scope(a.state.session_factory) as s:
        seed(session=s)
    found, _ = b.state.knowledge.search("반려견 동물등록은 어디서 하나요", lang="ko")
    assert all("반려견" not in f.article.title for f in found)
    with session_scope(a.state.session_factory) as s:
        reviewer = s.scalar(select(User).where(User.username == "supervisor1"))
        art = do_create_article(session=s, author=reviewer, department_id=None, title="반려견 동물등록 방법",
                                body="반려견은 구청이나 동물병원에서 동물등록을 합니다.",
                                questions=["강아지 등록은 어디서 하나요"])
        do_submit(session=s, user=reviewer, art=art)
        do_review(session=s, reviewer=reviewer, art=art, approve=True)
    before = b.state.knowledge.calibrated_revision
    found, _ = b.state.knowledge.search("반려견 동물등록은 어디서 하나요", lang="ko")
    assert found[0].article.title == "반려견 동물등록 방법"
    # The answer thresholds follow: measured again on the collection with the new article.
    assert b.state.knowledge.wait_calibrated(120)
    assert b.state.knowledge.calibrated_revision == b.state.knowledge.revision > before
    assert b.state.knowledge.calibrations["ko"].measured
    a.state.engine.dispose()
    b.state.engine.dispose()


def test_a_waiting_citizen_who_takes_the_bot_offer_keeps_the_place(bot_client):
    client, app = bot_client
    factory = app.state.session_factory
    from sqlalchemy import update

    from dasan.routing.models import Queue

    with session_scope(factory) as s:
        s.execute(update(Queue).where(Queue.code == "general").values(bot_after_s=0, callback_after_s=None))
    with client.websocket_connect("/ws/chat") as ws:
        conv_id, _ = _ask(ws, "q" * 20, "상담원 연결")  # straight to the queue
        with session_scope(factory) as s:
            queued_at = s.get(Conversation, conv_id).queued_at
        assert _status(factory, conv_id)[0] == "queued"
        app.state.dispatcher.run_once()  # nobody is available; the bot offer is due at once
        while True:
            f = ws.receive_json()
            if f["type"] == "citizen.status" and f["data"].get("offers") == ["bot"]:
                break
        ws.send_json({"type": "bot"})
        while ws.receive_json()["type"] != "offer_taken":
            pass
        _, reply = _say(ws, "소파를 버리려면 어떻게 해야 하나요?", "m2")
        assert "대형" in reply or "폐기물" in reply
    with session_scope(factory) as s:
        conv = s.get(Conversation, conv_id)
        assert conv.status == "queued" and conv.queued_at == queued_at  # the place in line is kept
    kinds = [k for k, _ in _events(factory, conv_id)]
    assert kinds.count("bot_offered") == 1 and "bot_offer_accepted" in kinds and "bot_answered" in kinds
