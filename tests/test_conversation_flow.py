"""A contact from intake to the consultation record, through the agent API."""

from __future__ import annotations

from sqlalchemy import select

from dasan.conversations.models import ConsultationRecord, Conversation, ConversationEvent, Message
from dasan.db.engine import session_scope
from dasan.orgs.models import User
from dasan.security.actions import do_create_api_token
from dasan.security.models import AuditEntry

from .conftest import login


def _intake(client, factory, text="대형폐기물 버리는 방법 알려주세요", ext="m1", phone="010-5555-0001", **extra):
    with session_scope(factory) as s:
        token = do_create_api_token(session=s, channel="sms")
    body = {"channel": "sms", "external_id": ext, "sender": {"phone": phone}, "text": text,
            "sent_at": "2026-11-21T10:00:00+09:00", **extra}
    r = client.post("/api/v1/intake/messages", json=body, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 202, r.text
    return r.json()


def offer_now(app, factory, conv_id, not_to=None):
    """Run a dispatch round and wait until the contact is offered (the background dispatcher may hold it)."""
    import time

    deadline = time.time() + 5
    while time.time() < deadline:
        app.state.dispatcher.run_once()
        with session_scope(factory) as s:
            conv = s.get(Conversation, conv_id)
            if conv.status == "offered" and conv.offered_to_id != not_to:
                return conv.offered_to_id
        time.sleep(0.05)
    raise AssertionError("contact was not offered")


def accepted_by_agent1(client, factory, app):
    """A new SMS contact, offered to and accepted by agent1; returns (conversation id, headers)."""
    conv_id = _intake(client, factory)["conversation_id"]
    h = {"X-CSRF-Token": login(client, "agent1")}
    client.post("/api/v1/agent/presence", json={"presence": "available"}, headers=h)
    offer_now(app, factory, conv_id)
    assert client.post(f"/api/v1/conversations/{conv_id}/accept", headers=h).status_code == 200
    return conv_id, h


def _user_id(factory, username):
    with session_scope(factory) as s:
        return s.scalar(select(User.id).where(User.username == username))


def test_offer_accept_reply_wrapup_history(client, seeded, app):
    factory = seeded
    ids = _intake(client, factory)
    conv_id = ids["conversation_id"]
    csrf = login(client, "agent1")
    h = {"X-CSRF-Token": csrf}
    assert client.post("/api/v1/agent/presence", json={"presence": "available"}, headers=h).status_code == 200
    offer_now(app, factory, conv_id)
    state = client.get("/api/v1/agent/state").json()
    assert state["presence"] == "available"
    offered = [c for c in state["conversations"] if c["status"] == "offered"]
    assert [c["id"] for c in offered] == [conv_id]
    assert state["previews"][str(conv_id)] == "대형폐기물 버리는 방법 알려주세요"

    r = client.post(f"/api/v1/conversations/{conv_id}/accept", headers=h)
    assert r.status_code == 200 and r.json()["status"] == "active"
    # Accepting twice is refused: the offer is gone.
    r = client.post(f"/api/v1/conversations/{conv_id}/accept", headers=h)
    assert r.status_code == 409 and r.json()["error"] == "offer_gone"

    r = client.post(f"/api/v1/conversations/{conv_id}/messages", headers=h,
                    json={"text": "구청 누리집에서 신고 후 배출하시면 됩니다.", "client_msg_id": "a-1"})
    assert r.status_code == 201
    again = client.post(f"/api/v1/conversations/{conv_id}/messages", headers=h,
                        json={"text": "구청 누리집에서 신고 후 배출하시면 됩니다.", "client_msg_id": "a-1"})
    assert again.json()["id"] == r.json()["id"]  # a resend is stored once
    client.post(f"/api/v1/conversations/{conv_id}/messages", headers=h, json={"text": "민원인 친절함", "note": True})

    detail = client.get(f"/api/v1/conversations/{conv_id}").json()
    kinds = [m["kind"] for m in detail["messages"]]
    assert kinds == ["inbound", "system", "outbound", "note"]
    assert [m["seq"] for m in detail["messages"]] == [1, 2, 3, 4]

    r = client.post(f"/api/v1/conversations/{conv_id}/wrapup", headers=h,
                    json={"category": "청소·폐기물", "summary": "대형폐기물 배출 방법 안내", "resolution": "solved"})
    assert r.status_code == 200, r.text
    rec = r.json()
    assert rec["resolution"] == "solved" and rec["agent_name"] == "최민준"
    r = client.post(f"/api/v1/conversations/{conv_id}/wrapup", headers=h,
                    json={"category": "x", "summary": "y", "resolution": "solved"})
    assert r.status_code == 409 and r.json()["error"] == "already_closed"

    with session_scope(factory) as s:
        conv = s.get(Conversation, conv_id)
        assert conv.status == "closed" and conv.answered_at is not None
        events = list(s.scalars(select(ConversationEvent.kind).where(ConversationEvent.conversation_id == conv_id)
                                .order_by(ConversationEvent.id)))
        assert events == ["queued", "offered", "accepted", "ended", "closed"]
        citizen_id = conv.citizen_id

    # The next contact from the same phone is a new conversation with the history attached.
    ids2 = _intake(client, factory, text="수도요금 문의", ext="m2")
    assert ids2["conversation_id"] != conv_id
    hist = client.get(f"/api/v1/citizens/{citizen_id}/history").json()
    assert [r["summary"] for r in hist["records"]] == ["대형폐기물 배출 방법 안내"]
    agent1 = _user_id(factory, "agent1")
    with session_scope(factory) as s:
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "citizen.history.view")).all()
        assert [(a.user_id, a.subject_id) for a in audit] == [(agent1, citizen_id)]


def test_agents_cannot_touch_contacts_of_others(client, seeded, app):
    factory = seeded
    conv_id = _intake(client, factory)["conversation_id"]
    csrf = login(client, "agent1")
    client.post("/api/v1/agent/presence", json={"presence": "available"}, headers={"X-CSRF-Token": csrf})
    offer_now(app, factory, conv_id)
    assert client.post(f"/api/v1/conversations/{conv_id}/accept", headers={"X-CSRF-Token": csrf}).status_code == 200
    client.cookies.clear()
    csrf2 = login(client, "agent2")
    h2 = {"X-CSRF-Token": csrf2}
    assert client.get(f"/api/v1/conversations/{conv_id}").status_code == 403
    r = client.post(f"/api/v1/conversations/{conv_id}/messages", json={"text": "hi"}, headers=h2)
    assert r.status_code == 403
    assert client.post(f"/api/v1/conversations/{conv_id}/accept", headers=h2).status_code == 409
    # A supervisor sees every conversation.
    client.cookies.clear()
    login(client, "supervisor1")
    r = client.get(f"/api/v1/conversations/{conv_id}")
    assert r.status_code == 200, r.text


def test_unaccepted_offer_goes_to_the_next_agent(client, seeded, app):
    from datetime import timedelta

    from dasan.core import clock

    factory = seeded
    conv_id = _intake(client, factory)["conversation_id"]
    a1 = _user_id(factory, "agent1")
    a2 = _user_id(factory, "agent2")
    for name in ("agent1", "agent2"):
        client.cookies.clear()
        csrf = login(client, name)
        client.post("/api/v1/agent/presence", json={"presence": "available"}, headers={"X-CSRF-Token": csrf})
    first = offer_now(app, factory, conv_id)
    assert first == a1  # agent1 became available first: longest idle
    clock.advance(timedelta(seconds=25))
    assert offer_now(app, factory, conv_id, not_to=a1) == a2
    with session_scope(factory) as s:
        conv = s.get(Conversation, conv_id)
        assert conv.status == "offered" and conv.offered_to_id == a2
        from dasan.routing.models import AgentStatus

        assert s.get(AgentStatus, a1).presence == "break"  # not responding → not ready


def test_transfer_to_queue_and_to_agent(client, seeded, app):
    factory = seeded
    conv_id, h = accepted_by_agent1(client, factory, app)
    target = _user_id(factory, "agent-en1")
    r = client.post(f"/api/v1/conversations/{conv_id}/transfer", headers=h,
                    json={"to_agent_id": target, "note": "영어"})
    assert r.status_code == 200 and r.json()["status"] == "offered" and r.json()["offered_to_id"] == target
    bad = client.post(f"/api/v1/conversations/{conv_id}/transfer", headers=h, json={"to_queue": "lang-en"})
    assert bad.status_code == 403  # no longer ours
    with session_scope(factory) as s:
        notes = s.scalars(select(Message.body).where(Message.conversation_id == conv_id, Message.kind == "note")).all()
        assert notes == ["[이관 메모] 영어"]


def test_record_requires_category_summary_and_known_resolution(client, seeded, app):
    factory = seeded
    conv_id, h = accepted_by_agent1(client, factory, app)
    r = client.post(f"/api/v1/conversations/{conv_id}/wrapup", headers=h,
                    json={"category": "", "summary": "x", "resolution": "maybe"})
    assert r.status_code == 422
    with session_scope(factory) as s:
        assert s.scalar(select(ConsultationRecord.id)) is None
        assert s.get(Conversation, conv_id).status == "active"
