"""Emerging issues in the running center: the detector over the consultation records as they
close, one stored alert however many processes see it, the article it suggests, supervisors
and analysts told at once."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from dasan.conversations.models import Citizen, ConsultationRecord, Conversation, Message
from dasan.core import clock
from dasan.db.engine import session_scope
from dasan.trends.live import LiveTrends
from dasan.trends.models import TrendAlert
from tests.conftest import login

EVERYDAY = [("주차 단속 문의합니다", "교통"), ("버스 노선이 바뀌었나요", "교통"),
            ("쓰레기 수거 요일이 언제인가요", "환경"), ("여권 발급 서류 알려주세요", "민원"),
            ("전입신고는 어디서 하나요", "민원"), ("자동차세 납부 기한 문의", "세금"),
            ("공원 운동기구 고장 신고", "환경"), ("가로등이 꺼져 있어요", "환경")]
OUTAGE = ["수돗물이 안 나와요 단수인가요", "단수 언제 끝나나요 망원동", "물이 안 나오는데 단수 공지가 있었나요"]


def _record(s, citizen_id: int, at, said: str, category: str) -> None:
    conv = Conversation(citizen_id=citizen_id, channel="sms", status="closed", created_at=at - timedelta(minutes=4),
                        closed_at=at, last_seq=1)
    s.add(conv)
    s.flush()
    s.add(Message(conversation_id=conv.id, seq=1, kind="inbound", body=said, channel="sms"))
    s.add(ConsultationRecord(conversation_id=conv.id, citizen_id=citizen_id, channel="sms", category=category,
                             summary="안내함", resolution="solved", closed_at=at))


def _history(factory, days: int = 3, per_day: int = 300) -> int:
    rng = random.Random(4)
    now = clock.now()
    with session_scope(factory) as s:
        citizen = Citizen(display_name="시민")
        s.add(citizen)
        s.flush()
        for d in range(days, 0, -1):
            for _ in range(per_day):
                at = now - timedelta(days=d) + timedelta(hours=rng.uniform(-6, 6))
                _record(s, citizen.id, at, *rng.choice(EVERYDAY))
        return citizen.id


def test_an_outage_is_raised_once_with_the_article_and_told_to_supervisors(app, client, seeded, factory, monkeypatch):
    told = []
    monkeypatch.setattr(app.state.bus, "publish", lambda audience, event: told.append((audience, event)))
    citizen = _history(factory)
    first = LiveTrends(factory, app.state.knowledge)
    second = LiveTrends(factory, app.state.knowledge)  # another process of the same center
    assert first.run_once() == 0 and second.run_once() == 0  # ordinary days: nothing
    with session_scope(factory) as s:
        start = clock.now()
        for i in range(12):
            _record(s, citizen, start + timedelta(minutes=2 * i), OUTAGE[i % 3], "")
    clock.advance(timedelta(minutes=25))
    assert first.run_once() == 1 and second.run_once() == 1
    with factory() as s:
        alerts = list(s.scalars(select(TrendAlert)))
        outage_ids = set(s.scalars(select(ConsultationRecord.id).where(ConsultationRecord.category == "")))
    assert len(alerts) == 1
    alert = alerts[0]
    assert "단수" in alert.terms and set(alert.record_ids) <= outage_ids and alert.count >= 3
    assert alert.detected_at - alert.first_seen <= timedelta(minutes=30)
    assert "단수" in alert.article_title  # the knowledge base's article on water outages
    trend_events = [(a, e) for a, e in told if e.type == "trend.alert"]
    # told at once, then again (not a second alert) when the article is found
    assert [(e.data["id"], e.data.get("updated", False)) for _a, e in trend_events] == [(alert.id, False),
                                                                                         (alert.id, True)]
    assert all(set(a.roles) == {"supervisor", "admin", "analyst"} for a, _e in trend_events)
    assert trend_events[1][1].data["article"]["title"] == alert.article_title
    h = {"X-CSRF-Token": login(client, "analyst1")}
    listed = client.get("/api/v1/trends/alerts", headers=h).json()
    assert [a["id"] for a in listed] == [alert.id] and listed[0]["article"]["title"] == alert.article_title
    client.cookies.clear()
    login(client, "agent1")
    assert client.get("/api/v1/trends/alerts").status_code == 403


def test_a_new_process_reading_the_history_stores_an_old_alert_without_announcing_it(app, seeded, factory,
                                                                                       monkeypatch):
    told = []
    monkeypatch.setattr(app.state.bus, "publish", lambda audience, event: told.append(event))
    citizen = _history(factory)
    with session_scope(factory) as s:
        start = clock.now() - timedelta(hours=5)
        for i in range(12):
            _record(s, citizen, start + timedelta(minutes=2 * i), OUTAGE[i % 3], "")
    assert LiveTrends(factory, None).run_once() == 1
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(TrendAlert)) == 1
    assert [e for e in told if e.type == "trend.alert"] == []
