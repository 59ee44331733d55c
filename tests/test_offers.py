"""Offers made while a web-chat citizen waits: a callback that keeps the place, and the bot."""

from __future__ import annotations

import time

from sqlalchemy import select, update

from dasan.conversations.models import Conversation, ConversationEvent
from dasan.db.engine import session_scope
from dasan.routing.models import Queue

from .conftest import login
from .test_conversation_flow import offer_now


def _until(ws, kind, pred=lambda f: True, limit=50):
    for _ in range(limit):
        f = ws.receive_json()
        if f["type"] == kind and pred(f):
            return f
    raise AssertionError(f"no {kind} frame")


def _start_chat(ws, visitor: str, text: str) -> int:
    ws.send_json({"type": "hello", "visitor": visitor, "lang": "ko", "after_seq": 0})
    _until(ws, "welcome")
    ws.send_json({"type": "send", "client_msg_id": "m1", "text": text})
    return _until(ws, "ack")["conversation_id"]


def _offer_round(app, factory, conv_id, offer):
    deadline = time.time() + 5
    while time.time() < deadline:
        app.state.dispatcher.run_once()
        with session_scope(factory) as s:
            if offer in (s.get(Conversation, conv_id).offers_made or ""):
                return
        time.sleep(0.05)
    raise AssertionError(f"{offer} was not offered")


def _offered_callback(ws, app, factory, visitor: str, text: str) -> int:
    """A citizen starts a chat on a line that offers the callback at once; returns the contact."""
    with session_scope(factory) as s:
        s.execute(update(Queue).where(Queue.code == "general").values(callback_after_s=0, bot_after_s=None))
    conv_id = _start_chat(ws, visitor, text)
    _offer_round(app, factory, conv_id, "callback")
    status = _until(ws, "citizen.status", lambda f: f["data"].get("offers") == ["callback"])
    assert status["data"]["status"] == "queued"
    return conv_id


def test_callback_offer_keeps_the_place_after_the_citizen_leaves(client, seeded, app):
    factory = seeded
    with client.websocket_connect("/ws/chat") as ws:
        conv_id = _offered_callback(ws, app, factory, "v" * 40, "여권 재발급 문의")
        ws.send_json({"type": "callback", "phone": "not a number"})
        err = _until(ws, "error")
        assert err["code"] == "bad_phone"
        ws.send_json({"type": "bot"})  # not offered on this line
        assert _until(ws, "error")["code"] == "no_bot_offer"
        ws.send_json({"type": "callback", "phone": "+82 10 2345 6789"})  # written any usual way
        assert _until(ws, "offer_taken")["offer"] == "callback"
        ws.send_json({"type": "leave"})
        time.sleep(0.3)
    # Still in line, with its place, after the chat closed; the offer is made once.
    app.state.dispatcher.run_once()
    with session_scope(factory) as s:
        conv = s.get(Conversation, conv_id)
        # The one phone rule, written as the agent who dials it writes it.
        assert conv.status == "queued" and conv.callback_number == "010-2345-6789"
        kinds = s.scalars(select(ConversationEvent.kind).where(ConversationEvent.conversation_id == conv_id)).all()
        assert kinds.count("callback_offered") == 1 and "callback_requested" in kinds
        assert "citizen_left_callback_kept" in kinds and "closed" not in kinds
    # The agent who is offered it sees the number to call.
    h = {"X-CSRF-Token": login(client, "agent1")}
    client.post("/api/v1/agent/presence", json={"presence": "available"}, headers=h)
    offer_now(app, factory, conv_id)  # the background dispatcher may be the one that offers it
    state = client.get("/api/v1/agent/state").json()
    offered = [c for c in state["conversations"] if c["id"] == conv_id]
    assert offered and offered[0]["callback_number"] == "010-2345-6789"


def test_no_offer_before_the_threshold(client, seeded, app):
    factory = seeded
    with session_scope(factory) as s:
        s.execute(update(Queue).where(Queue.code == "general").values(callback_after_s=600, bot_after_s=None))
    with client.websocket_connect("/ws/chat") as ws:
        conv_id = _start_chat(ws, "w" * 40, "문의")
        app.state.dispatcher.run_once()
        ws.send_json({"type": "callback", "phone": "010-2345-6789"})
        assert _until(ws, "error")["code"] == "no_callback"
    with session_scope(factory) as s:
        assert s.get(Conversation, conv_id).offers_made == ""


def test_a_reserved_callback_rejoins_the_line_at_its_time(client, seeded, app):
    from datetime import timedelta

    from dasan.core import clock

    factory = seeded
    with client.websocket_connect("/ws/chat") as ws:
        conv_id = _offered_callback(ws, app, factory, "r" * 40, "내일 오전에 통화 원합니다")
        ws.send_json({"type": "callback", "phone": "010-1111-2222", "at": "2020-01-01T09:00:00+09:00"})
        assert _until(ws, "error")["code"] == "bad_time"  # in the past
        far = (clock.now() + timedelta(days=30)).isoformat()
        ws.send_json({"type": "callback", "phone": "010-1111-2222", "at": far})
        assert _until(ws, "error")["code"] == "bad_time"  # beyond a week
        at = clock.now() + timedelta(hours=2)
        ws.send_json({"type": "callback", "phone": "010-1111-2222", "at": at.isoformat()})
        assert _until(ws, "offer_taken")["offer"] == "callback"
    h = {"X-CSRF-Token": login(client, "agent1")}
    client.post("/api/v1/agent/presence", json={"presence": "available"}, headers=h)
    app.state.dispatcher.run_once()
    with session_scope(factory) as s:
        assert s.get(Conversation, conv_id).status == "queued"  # not before its time
    client.cookies.clear()
    login(client, "supervisor1")
    general = next(q for q in client.get("/api/v1/supervisor/snapshot").json()["queues"] if q["code"] == "general")
    assert general["reserved_callbacks"] == 1 and general["waiting"] == 0
    clock.advance(timedelta(hours=2, seconds=1))
    offer_now(app, factory, conv_id)
    with session_scope(factory) as s:
        conv = s.get(Conversation, conv_id)
        assert conv.status == "offered" and conv.callback_at is not None
