"""Bot notices for an emerging issue: drafted from the alert, published by a supervisor (not an
analyst), said by the bot first — once per contact — to citizens whose message names one of its
terms, not to others, and no more once it has ended."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dasan.bot.actions import bot_turn
from dasan.channels.intake import IntakeMessage, Sender, do_intake
from dasan.conversations.models import Message
from dasan.core import clock
from dasan.db.engine import session_scope
from dasan.trends.models import TrendAlert
from tests.conftest import login

from ..bot.test_bot_turn_once import bot_app  # noqa: F401  (the fixture)


def _alert(factory) -> int:
    with session_scope(factory) as s:
        row = TrendAlert(key="단수|1", label="단수 · 아파트", terms=["단수", "마포구", "아파트"], district="마포구",
                         first_seen=clock.now() - timedelta(minutes=20), detected_at=clock.now(), count=9,
                         record_ids=[1], article_id=None, article_title="수돗물 단수 안내")
        s.add(row)
        s.flush()
        return row.id


def test_a_supervisor_publishes_and_ends_a_notice_drafted_from_an_alert(client, seeded, factory):
    alert_id = _alert(factory)
    login(client, "analyst1")
    draft = client.get(f"/api/v1/trends/alerts/{alert_id}/notice-draft").json()
    assert draft["terms"] == ["단수", "아파트"]  # the district alone does not make a message about this
    assert "마포구" in draft["text"] and "수돗물 단수 안내" in draft["text"]
    h = {"X-CSRF-Token": login(client, "analyst1")}
    body = {"text": draft["text"], "terms": draft["terms"], "hours": 6, "alert_id": alert_id}
    assert client.post("/api/v1/trends/notices", json=body, headers=h).status_code == 403  # analysts read only
    client.cookies.clear()
    h = {"X-CSRF-Token": login(client, "supervisor1")}
    assert client.post("/api/v1/trends/notices", json={**body, "hours": 0}, headers=h).status_code == 422
    assert client.post("/api/v1/trends/notices", json={**body, "terms": ["?!"]},
                       headers=h).json()["error"] == "terms_required"
    r = client.post("/api/v1/trends/notices", json=body, headers=h)
    assert r.status_code == 201, r.text
    notice = r.json()
    assert [n["id"] for n in client.get("/api/v1/trends/notices").json()] == [notice["id"]]
    assert client.post(f"/api/v1/trends/notices/{notice['id']}/end", headers=h).json()["ended_at"]
    assert client.get("/api/v1/trends/notices").json() == []
    assert client.post(f"/api/v1/trends/notices/{notice['id']}/end", headers=h).status_code == 409


def _say(app, ext: str, phone: str, text: str):
    with session_scope(app.state.session_factory) as s:
        got = do_intake(session=s, bot=True, msg=IntakeMessage(
            channel="sms", external_id=ext, sender=Sender(phone=phone), text=text, sent_at=datetime.now(UTC)))
    bot_turn(factory=app.state.session_factory, knowledge=app.state.knowledge, conversation_id=got.conversation_id,
             text=text, reply_to_seq=got.seq)
    with app.state.session_factory() as s:
        return [m.body for m in s.scalars(select(Message).where(Message.conversation_id == got.conversation_id,
                                                                Message.kind == "outbound").order_by(Message.seq))]


@pytest.mark.usefixtures("bot_app")
def test_the_bot_says_the_notice_first_once_per_contact_to_those_it_concerns(bot_app):  # noqa: F811
    from dasan.orgs.models import User
    from dasan.trends.actions import do_end_notice, do_publish_notice

    with session_scope(bot_app.state.session_factory) as s:
        boss = s.scalar(select(User).where(User.username == "supervisor1"))
        notice = do_publish_notice(session=s, user=boss, text="마포구 단수 관련 문의가 많습니다. 18시 복구 예정입니다.",
                                   terms=["단수"], hours=3)
        notice_id = notice.id
    said = _say(bot_app, "n1", "010-5550-1001", "마포구 우리 아파트 단수 언제 끝나요?")
    assert said[0].startswith("마포구 단수 관련 문의가 많습니다") and len(said) >= 2  # the notice, then the answer
    again = _say(bot_app, "n2", "010-5550-1001", "단수 때문에 물이 안 나와요")
    assert sum(1 for b in again if b.startswith("마포구 단수")) == 1  # once per contact
    other = _say(bot_app, "n3", "010-5550-1002", "소파는 어떻게 버리나요?")
    assert not any(b.startswith("마포구 단수") for b in other)
    with session_scope(bot_app.state.session_factory) as s:
        from dasan.trends.models import BotNotice

        do_end_notice(session=s, notice=s.get_one(BotNotice, notice_id))
    later = _say(bot_app, "n4", "010-5550-1003", "단수 언제 끝나요?")
    assert not any(b.startswith("마포구 단수") for b in later)
