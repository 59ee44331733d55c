"""The citizen widget's websocket protocol: ack after commit, resend stored once, resume by seq."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from dasan.conversations.models import ConsultationRecord, Conversation, Message
from dasan.db.engine import session_scope


def _hello(ws, visitor, after_seq=0, lang="ko"):
    ws.send_json({"type": "hello", "visitor": visitor, "lang": lang, "after_seq": after_seq})
    return ws.receive_json()


def _until(ws, kind):
    while True:
        frame = ws.receive_json()
        if frame["type"] == kind:
            return frame


def test_send_ack_and_resend_is_stored_once(client, factory):
    visitor = uuid.uuid4().hex + uuid.uuid4().hex
    with client.websocket_connect("/ws/chat") as ws:
        welcome = _hello(ws, visitor)
        assert welcome == {"type": "welcome", "conversation_id": None, "status": None, "messages": []}
        ws.send_json({"type": "send", "client_msg_id": "c1", "text": "대형폐기물 버리는 방법 알려주세요"})
        ack = _until(ws, "ack")
        assert ack["seq"] == 1 and ack["duplicate"] is False
        ws.send_json({"type": "send", "client_msg_id": "c1", "text": "대형폐기물 버리는 방법 알려주세요"})
        again = _until(ws, "ack")
        assert again["seq"] == 1 and again["duplicate"] is True
        conv_id = ack["conversation_id"]
    with session_scope(factory) as s:
        assert s.scalar(select(func.count()).select_from(Message)) == 1
        conv = s.get(Conversation, conv_id)
        assert conv.status == "queued" and conv.channel == "webchat" and conv.queue_code == "general"
    # Reconnect with the same visitor token: the same conversation, and only messages after after_seq.
    with client.websocket_connect("/ws/chat") as ws:
        welcome = _hello(ws, visitor, after_seq=0)
        assert welcome["conversation_id"] == conv_id and welcome["status"] == "queued"
        assert [m["body"] for m in welcome["messages"]] == ["대형폐기물 버리는 방법 알려주세요"]
        assert welcome["position"] == 1 and welcome["wait_kind"] == "simple"
        assert _hello(ws, visitor, after_seq=1)["messages"] == []


def test_foreign_language_goes_to_its_line(client, factory):
    with client.websocket_connect("/ws/chat") as ws:
        _hello(ws, "v" * 32, lang="vi")
        ws.send_json({"type": "send", "client_msg_id": "x", "text": "Xin chào"})
        conv_id = _until(ws, "ack")["conversation_id"]
    with session_scope(factory) as s:
        assert s.get(Conversation, conv_id).queue_code == "lang-vi"


def test_bad_frames_get_clear_errors_and_store_nothing(client, factory):
    with client.websocket_connect("/ws/chat") as ws:
        ws.send_text("not json")
        assert ws.receive_json() == {"type": "error", "code": "malformed", "message": "frames must be JSON objects"}
        ws.send_json({"type": "send", "client_msg_id": "a", "text": "hi"})
        assert ws.receive_json()["code"] == "hello_first"
        ws.send_json({"type": "hello", "visitor": "short"})
        err = ws.receive_json()
        assert err["code"] == "invalid" and "at least 16 characters" in err["message"]
        _hello(ws, "w" * 20)
        ws.send_json({"type": "send", "client_msg_id": "a", "text": "가" * 4001})
        err = ws.receive_json()
        assert err["code"] == "invalid" and err["client_msg_id"] == "a"
        ws.send_json({"type": "dance"})
        assert ws.receive_json()["code"] == "unknown_type"
    with session_scope(factory) as s:
        assert s.scalar(select(func.count()).select_from(Message)) == 0


def test_leaving_while_queued_records_an_abandoned_contact(client, factory):
    with client.websocket_connect("/ws/chat") as ws:
        _hello(ws, "z" * 20)
        ws.send_json({"type": "send", "client_msg_id": "a", "text": "여보세요"})
        conv_id = _until(ws, "ack")["conversation_id"]
        ws.send_json({"type": "leave"})
        status = _until(ws, "citizen.status")
        assert status["data"]["status"] == "closed"
    with session_scope(factory) as s:
        rec = s.scalar(select(ConsultationRecord).where(ConsultationRecord.conversation_id == conv_id))
        assert rec.resolution == "abandoned" and rec.agent_id is None


def test_citizen_never_receives_internal_notes(client, seeded, app):
    from .conftest import login
    from .test_conversation_flow import offer_now

    factory = seeded
    with client.websocket_connect("/ws/chat") as ws:
        _hello(ws, "n" * 20)
        ws.send_json({"type": "send", "client_msg_id": "a", "text": "질문 있어요"})
        conv_id = _until(ws, "ack")["conversation_id"]
        csrf = login(client, "agent1")
        h = {"X-CSRF-Token": csrf}
        client.post("/api/v1/agent/presence", json={"presence": "available"}, headers=h)
        offer_now(app, factory, conv_id)
        client.post(f"/api/v1/conversations/{conv_id}/accept", headers=h)
        client.post(f"/api/v1/conversations/{conv_id}/messages", headers=h, json={"text": "비밀 메모", "note": True})
        client.post(f"/api/v1/conversations/{conv_id}/messages", headers=h, json={"text": "안녕하세요, 120입니다."})
        seen = []
        while True:
            f = ws.receive_json()
            if f["type"] == "message.created":
                seen.append((f["data"]["seq"], f["data"]["kind"], f["data"]["body"]))
                if f["data"]["kind"] == "outbound":
                    break
        assert all(kind != "note" for _, kind, _ in seen)
        assert seen[-1] == (4, "outbound", "안녕하세요, 120입니다.")
        ws.send_json({"type": "sync", "after_seq": 0})
        sync = _until(ws, "sync")
        assert [m["seq"] for m in sync["messages"]] == [1, 2, 4]  # seq 3 is the note
        # The hole at 3 is accounted for: the widget moves past it instead of asking again.
        assert sync["upto"] == 4
        ws.send_json({"type": "sync", "after_seq": 2})
        again = _until(ws, "sync")
        assert [m["seq"] for m in again["messages"]] == [4] and again["upto"] == 4


def test_resending_after_the_contact_closed_is_acknowledged_once(client, factory):
    visitor = "r" * 20
    with client.websocket_connect("/ws/chat") as ws:
        _hello(ws, visitor)
        ws.send_json({"type": "send", "client_msg_id": "late", "text": "마지막 질문"})
        first = _until(ws, "ack")
        ws.send_json({"type": "leave"})  # the contact closes (abandoned while queued)
        _until(ws, "citizen.status")
        # The ack was lost: the widget resends the same message id after the close.
        ws.send_json({"type": "send", "client_msg_id": "late", "text": "마지막 질문"})
        again = _until(ws, "ack")
    assert again == {**first, "duplicate": True}
    with session_scope(factory) as s:
        assert s.scalar(select(func.count()).select_from(Message)) == 1
        assert s.scalar(select(func.count()).select_from(Conversation)) == 1


def test_a_department_pages_widget_opens_chats_in_its_own_line(client, seeded):
    """data-queue on the widget: the chat waits in that line; an unknown line, or a citizen in
    another language (who needs the interpreters' line), gets the language's line."""
    lines = {}
    for name, queue, lang in (("own", "protect", "ko"), ("unknown", "nowhere", "ko"), ("english", "protect", "en")):
        visitor = uuid.uuid4().hex + uuid.uuid4().hex
        with client.websocket_connect("/ws/chat") as ws:
            ws.send_json({"type": "hello", "visitor": visitor, "lang": lang, "after_seq": 0, "queue": queue})
            ws.receive_json()
            ws.send_json({"type": "send", "client_msg_id": "c1", "text": "문의드립니다"})
            lines[name] = _until(ws, "ack")["conversation_id"]
    with session_scope(seeded) as s:
        got = {name: s.get(Conversation, cid).queue_code for name, cid in lines.items()}
    assert got == {"own": "protect", "unknown": "general", "english": "lang-en"}
