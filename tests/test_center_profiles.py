"""Nothing of Seoul is hard-wired: under the Lakeport 311 demo profile (English first, US Central
time, US holidays) the chat flow, a case deadline, the wallboard's day and the citizen pages all
follow that center. And under Seoul's, the pages' "today" is Seoul's even at 00:30 there."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from dasan.conversations.models import Conversation, Message
from dasan.core import clock
from dasan.db.engine import session_scope
from dasan.demo.profiles import CITY_311, SEOUL_120
from dasan.demo.seed import seed
from dasan.security.actions import do_create_api_token

from .conftest import login
from .test_conversation_flow import offer_now

CHICAGO = CITY_311.tz
SEOUL = SEOUL_120.tz
SEOUL_WORDS = ["다산", "Seoul", "서울", "首尔", "ソウル", "Сөүл", "Dasan Call", "Asia/Seoul"]


@pytest.fixture
def lakeport(factory):
    with session_scope(factory) as s:
        assert seed(session=s, profile="city311")
    return factory


def _move_clock_to(local: datetime) -> None:
    clock.reset()
    clock.advance(local - clock.now())


def test_citizen_pages_name_only_their_own_center(client, lakeport):
    pages = {"chat": client.get("/chat").text, "widget": client.get("/static/widget.js").text,
             "discovery": client.get("/open311/v2/discovery.json").text,
             "lookup": client.get("/cases/lookup").text}
    assert "<title>Lakeport 311 chat</title>" in pages["chat"] and '<html lang="en"' in pages["chat"]
    assert "Lakeport 311" in pages["widget"] and "莱克波特 311 市民热线" in pages["widget"]
    assert client.get("/open311/v2/discovery.json").json()["contact"] == "Lakeport 311 (311)"
    assert '<html lang="en"' in pages["lookup"] and "Look up your case" in pages["lookup"]
    for name, text in pages.items():
        for word in SEOUL_WORDS:
            assert word not in text, (name, word)
    # Its service languages only: no Japanese or Mongolian text in its widget.
    assert "ja" not in client.get("/static/widget.js").text.split("var TEXT = ", 1)[1].split(";", 1)[0][:4000]


def test_chat_flow_in_the_center_language(client, lakeport, app):
    factory = lakeport
    with client.websocket_connect("/ws/chat") as ws:
        ws.send_json({"type": "hello", "visitor": "v" * 40, "after_seq": 0})  # no language: the center's
        ws.receive_json()
        ws.send_json({"type": "send", "client_msg_id": "c1", "text": "My sofa needs to go"})
        while (frame := ws.receive_json())["type"] != "ack":
            pass
    conv_id = frame["conversation_id"]
    with session_scope(factory) as s:
        conv = s.get(Conversation, conv_id)
        assert conv.lang == "en" and conv.queue_code == "general"
    h = {"X-CSRF-Token": login(client, "agent1")}
    client.post("/api/v1/agent/presence", json={"presence": "available"}, headers=h)
    offer_now(app, factory, conv_id)
    assert client.post(f"/api/v1/conversations/{conv_id}/accept", headers=h).status_code == 200
    moved = client.post(f"/api/v1/conversations/{conv_id}/transfer", headers=h,
                        json={"to_queue": "general", "note": "wants a pickup date"})
    assert moved.status_code == 200, moved.text
    offer_now(app, factory, conv_id)
    assert client.post(f"/api/v1/conversations/{conv_id}/accept", headers=h).status_code == 200
    assert client.post(f"/api/v1/conversations/{conv_id}/end", headers=h).status_code == 200
    with session_scope(factory) as s:
        system = s.scalars(select(Message.body).where(Message.conversation_id == conv_id, Message.kind == "system")
                           .order_by(Message.seq)).all()
        notes = s.scalars(select(Message.body).where(Message.conversation_id == conv_id, Message.kind == "note")).all()
    assert system == ["Agent Jordan Reyes joined.", "Transferring you to another agent. Please wait a moment.",
                      "Agent Jordan Reyes joined.", "The consultation has ended. Thank you."]
    assert notes == ["[Transfer note] wants a pickup date"]  # staff text in the center's language too
    # A Chinese speaker of this center goes to its Chinese line, and reads Chinese.
    with client.websocket_connect("/ws/chat") as ws:
        ws.send_json({"type": "hello", "visitor": "z" * 40, "lang": "zh", "after_seq": 0})
        ws.receive_json()
        ws.send_json({"type": "send", "client_msg_id": "c1", "text": "沙发怎么扔？"})
        while (frame := ws.receive_json())["type"] != "ack":
            pass
    with session_scope(factory) as s:
        assert s.get(Conversation, frame["conversation_id"]).queue_code == "lang-zh"


def test_case_deadline_on_the_center_calendar(client, lakeport, app):
    factory = lakeport
    # Wednesday 25 Nov 2026, 15:00 in Lakeport: Thursday is Thanksgiving, so one working day is Friday.
    _move_clock_to(datetime(2026, 11, 25, 15, 0, tzinfo=CHICAGO))
    with session_scope(factory) as s:
        token = do_create_api_token(session=s, channel="sms")
    r = client.post("/api/v1/intake/messages", headers={"Authorization": f"Bearer {token}"}, json={
        "channel": "sms", "external_id": "l1", "sender": {"phone": "(312) 555-0142"}, "text": "Nobody took my trash",
        "sent_at": clock.now().isoformat()})
    assert r.status_code == 202, r.text
    conv_id = r.json()["conversation_id"]
    h = {"X-CSRF-Token": login(client, "agent1")}
    client.post("/api/v1/agent/presence", json={"presence": "available"}, headers=h)
    offer_now(app, factory, conv_id)
    client.post(f"/api/v1/conversations/{conv_id}/accept", headers=h).raise_for_status()
    r = client.post(f"/api/v1/conversations/{conv_id}/cases", headers=h,
                    json={"case_type": "missed-collection", "title": "Missed pickup", "address": "100 Lake St"})
    assert r.status_code == 201, r.text
    case = r.json()
    assert datetime.fromisoformat(case["due_at"]) == datetime(2026, 11, 27, 16, 30, tzinfo=CHICAGO)
    assert case["number"].startswith("2026-") and case["department"] == "Department of Streets and Sanitation"
    with session_scope(factory) as s:
        notice = s.scalars(select(Message.body).where(Message.conversation_id == conv_id, Message.kind == "outbound")
                           ).all()[-1]
        identity = s.scalar(select(Conversation).where(Conversation.id == conv_id)).citizen_id
    assert notice.startswith(f"[Lakeport 311] Case {case['number']}: your request went to Department of Streets")
    assert "Nov 27, 16:30" in notice
    assert identity is not None


def test_wallboard_and_reports_day_is_the_center_day(client, lakeport, app):
    factory = lakeport
    # 23:50 on 30 Nov in Lakeport (05:50 UTC on 1 Dec): yesterday for the wallboard at 00:30.
    _move_clock_to(datetime(2026, 11, 30, 23, 50, tzinfo=CHICAGO))
    with session_scope(factory) as s:
        token = do_create_api_token(session=s, channel="sms")
    auth = {"Authorization": f"Bearer {token}"}
    body = {"channel": "sms", "sender": {"phone": "312-555-0100"}, "text": "hello"}
    client.post("/api/v1/intake/messages", headers=auth,
                json={**body, "external_id": "late", "sent_at": clock.now().isoformat()}).raise_for_status()
    clock.advance(timedelta(minutes=40))  # 00:30 on 1 Dec in Lakeport
    client.post("/api/v1/intake/messages", headers=auth, json={
        **body, "external_id": "early", "sender": {"phone": "312-555-0199"},
        "sent_at": clock.now().isoformat()}).raise_for_status()
    h = {"X-CSRF-Token": login(client, "supervisor1")}
    snap = client.get("/api/v1/supervisor/snapshot", headers=h).json()
    general = next(q for q in snap["queues"] if q["code"] == "general")
    assert general["today"]["offered"] == 1 and general["waiting"] == 2
    page = client.get("/reports").text
    assert 'data-tz="America/Chicago"' in page and 'data-today="2026-12-01"' in page
    report = client.get("/api/v1/reports/intervals").json()
    assert report["day"] == "2026-12-01" and report["intervals"][0]["start"].endswith("-06:00")


def test_seoul_pages_say_seoul_today_at_half_past_midnight(client, seeded):
    # 00:30 on 2 Dec in Seoul is still 1 Dec in UTC (and in a browser running in UTC).
    _move_clock_to(datetime(2026, 12, 2, 0, 30, tzinfo=SEOUL))
    login(client, "supervisor1")
    page = client.get("/reports").text
    assert 'data-tz="Asia/Seoul"' in page and 'data-today="2026-12-02"' in page
    cases = client.get("/api/v1/reports/cases").json()
    assert cases["rows"][-1]["key"] == "2026-12-02"
