"""The bot in web chat: answers from published articles only, hands off with context."""

from __future__ import annotations

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


def test_a_published_article_answers_the_very_next_question(bot_client):
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
    with client.websocket_connect("/ws/chat") as ws:
        _, reply = _ask(ws, "h" * 20, "다 쓴 건전지는 어디에 버리나요?")
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


def _case(factory, number):
    from dasan.cases.models import Case, CaseType
    from dasan.orgs.models import Department

    with session_scope(factory) as s:
        case = s.scalar(select(Case).where(Case.number == number))
        return (case, s.get(CaseType, case.case_type_id).code, s.get(Department, case.department_id).code)


def test_a_request_for_a_procedure_is_filed_step_by_step_in_korean(bot_client):
    client, app = bot_client
    factory = app.state.session_factory
    with client.websocket_connect("/ws/chat") as ws:
        conv_id, reply = _ask(ws, "p" * 20, "집 앞에 불법주차 신고하려고요")
        assert "불법 주정차 단속 요청" in reply and "어디인가요" in reply
        _, reply = _say(ws, "월드컵로 212 앞이요", "m2")
        assert "사진" in reply  # the web chat carries photos: one is asked for
        _, reply = _say(ws, "없어요", "m2b")
        assert "이대로 접수할까요" in reply and "월드컵로 212 앞이요" in reply
        _, notice = _say(ws, "네", "m3")  # the case's own notice to the citizen, then the bot's reply
        reply = next(f["data"]["body"] for f in iter(ws.receive_json, None)
                     if f["type"] == "message.created" and f["data"]["kind"] == "outbound")
    number = reply.split("접수번호 ")[1].split(",")[0]
    assert number in notice and "주차계획과" in reply
    case, code, dept = _case(factory, number)
    assert code == "illegal-parking" and dept == "parking" and case.source == "chat"
    assert case.conversation_id == conv_id and case.address == "월드컵로 212 앞이요"
    assert case.description.startswith("집 앞에 불법주차 신고하려고요")
    kinds = [d.get("action") for k, d in _events(factory, conv_id) if k == "bot_procedure"]
    assert kinds == ["ask", "ask", "ask", "open"]
    assert _status(factory, conv_id)[0] == "bot"  # filed by the bot, no agent needed


def test_a_procedure_in_english_asks_for_the_district_cancels_and_hands_over(bot_client):
    client, app = bot_client
    factory = app.state.session_factory
    with client.websocket_connect("/ws/chat") as ws:
        conv_id, reply = _ask(ws, "q" * 20, "I want to book a bulky waste pickup for my old sofa", lang="en")
        assert "Bulky waste collection" in reply and "Where is it?" in reply
        _, reply = _say(ws, "12 Elm street", "m2")
        assert "names the district" in reply  # a district's service: the address must name one
        _, reply = _say(ws, "Mapo-gu, 12 Elm street", "m3")
        assert "photo" in reply
        _, reply = _say(ws, "skip", "m3a")
        assert "What is to be collected?" in reply and "2. Sofa" in reply  # the service's required attribute
        _, reply = _say(ws, "2", "m3b")
        assert "Shall I file it like this?" in reply and "What is to be collected: Sofa" in reply
        _, reply = _say(ws, "cancel", "m4")
        assert "cancelled" in reply
        _, reply = _say(ws, "I want to report illegal parking", "m5")
        assert "Illegal parking" in reply
        _, reply = _say(ws, "x", "m6")
        _, reply = _say(ws, "?", "m7")
    assert "connecting you to an agent" in reply
    assert _status(factory, conv_id) == ("queued", "lang-en")
    handoff = [d for k, d in _events(factory, conv_id) if k == "bot_handoff"][-1]
    assert handoff["reason"] == "procedure"


def test_a_procedure_in_chinese_names_the_service_and_asks_its_questions_in_chinese(bot_client):
    client, app = bot_client
    with client.websocket_connect("/ws/chat") as ws:
        conv_id, reply = _ask(ws, "z" * 20, "我要申请大件垃圾回收，旧沙发", lang="zh")
        assert "大件垃圾回收申请" in reply  # the service's Chinese name, in the Chinese catalogue's sentence
        _, reply = _say(ws, "마포구 城山洞 1", "z2")  # district names: Korean or English
        _, reply = _say(ws, "跳过", "z3")
        assert "要回收什么？" in reply and "2. 沙发" in reply
        _, reply = _say(ws, "沙发", "z4")
        assert "要回收什么: 沙发" in reply
    state = [d for k, d in _events(app.state.session_factory, conv_id) if k == "bot_procedure"][-1]["state"]
    assert state["values"] == {"ITEM": "sofa"} and state["lang"] == "zh"


def test_questions_and_small_talk_do_not_start_a_procedure(bot_client):
    client, app = bot_client
    with client.websocket_connect("/ws/chat") as ws:
        conv_id, reply = _ask(ws, "r" * 20, "소파를 버리려면 어떻게 해야 하나요?")
    assert reply.startswith("대형폐기물(가구·가전) 버리는 방법")  # answered from the knowledge base
    assert not [k for k, _ in _events(app.state.session_factory, conv_id) if k == "bot_procedure"]


def _upload(client, visitor, data, name="car.jpg", ctype="image/jpeg"):
    return client.post("/api/v1/chat/attachments", headers={"X-Visitor": visitor}, files={"file": (name, data, ctype)})


def test_a_photo_in_the_chat_is_the_uploaders_alone_and_outside_a_procedure_goes_to_an_agent(bot_client):
    from ..attachments.test_attachments import photo_with_gps

    client, app = bot_client
    factory = app.state.session_factory
    mine, other = "s" * 20, "t" * 20
    up = _upload(client, mine, photo_with_gps())
    assert up.status_code == 200 and up.json()["content_type"] == "image/jpeg"
    bad = _upload(client, mine, b"MZ\x90\x00 not a photo", name="x.exe", ctype="application/octet-stream")
    assert bad.status_code == 422 and bad.json()["error"] == "bad_attachment"
    assert client.post("/api/v1/chat/attachments", files={"file": ("a.jpg", b"x", "image/jpeg")}).status_code == 422
    with client.websocket_connect("/ws/chat") as ws:
        ws.send_json({"type": "hello", "visitor": other, "lang": "ko", "after_seq": 0})
        assert ws.receive_json()["type"] == "welcome"
        # Another visitor's file cannot be attached: refused, nothing stored.
        ws.send_json({"type": "send", "client_msg_id": "x1", "text": "", "attachments": [up.json()["ref"]]})
        err = ws.receive_json()
        assert err["type"] == "error" and err["code"] == "bad_attachment"
        ws.send_json({"type": "send", "client_msg_id": "x2", "text": "  "})
        assert ws.receive_json()["code"] == "invalid"  # neither text nor a file
    with session_scope(factory) as s:
        assert s.scalar(select(Message.id).where(Message.client_msg_id.in_(["x1", "x2"]))) is None
    with client.websocket_connect("/ws/chat") as ws:
        ws.send_json({"type": "hello", "visitor": mine, "lang": "ko", "after_seq": 0})
        assert ws.receive_json()["type"] == "welcome"
        ws.send_json({"type": "send", "client_msg_id": "y1", "text": "", "attachments": [up.json()["ref"]]})
        while (f := ws.receive_json())["type"] != "message.created" or f["data"]["kind"] != "outbound":
            pass
        conv_id = f["data"]["conversation_id"]
    with session_scope(factory) as s:
        stored = s.scalar(select(Message).where(Message.client_msg_id == "y1"))
        assert stored.attachments[0]["content_type"] == "image/jpeg" and stored.body == ""
    assert _status(factory, conv_id)[0] == "queued"
    assert [d["reason"] for k, d in _events(factory, conv_id) if k == "bot_handoff"] == ["attachment"]
