"""Mystery shopping over the API (both databases): a supervisor writes a scenario and assigns it
to a shopper; the shopper sees only their own assignments and reports the contact once on the
scenario's form; the report puts mystery scores beside citizens' happy-call scores per channel."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from dasan.conversations.models import Conversation
from dasan.core import clock
from dasan.db.engine import session_scope
from dasan.orgs.models import User
from dasan.quality.models import ContactSurvey

from .test_evaluations import GOOD, _as, _contacts, _form, _today


def _user_id(factory, username: str) -> int:
    with factory() as s:
        return s.scalar(select(User.id).where(User.username == username))


def test_a_shopper_reports_an_assignment_and_it_appears_beside_citizen_satisfaction(client, seeded, factory):
    h = _as(client, "supervisor1")
    form = _form(client, h)
    r = client.post("/api/v1/quality/mystery/scenarios", headers=h, json={
        "title": "대형 폐기물 배출", "channel": "webchat", "script": "소파를 버리려면 어떻게 하나요?",
        "expected_answer": "구청 누리집에서 배출 신고 후 스티커 부착", "form_id": form["id"]})
    assert r.status_code == 201, r.text
    scenario = r.json()
    shopper = _user_id(factory, "shopper1")
    assert [p["id"] for p in client.get("/api/v1/quality/shoppers").json()] == [shopper]
    today = _today(factory)
    bad = client.post("/api/v1/quality/mystery/assignments", headers=h, json={
        "scenario_id": scenario["id"], "shopper_id": _user_id(factory, "agent1"), "due_on": today})
    assert bad.status_code == 422 and bad.json()["error"] == "not_a_shopper"
    r = client.post("/api/v1/quality/mystery/assignments", headers=h, json={
        "scenario_id": scenario["id"], "shopper_id": shopper, "due_on": today})
    assert r.status_code == 201, r.text
    assignment = r.json()["id"]

    # A citizen's happy-call on web chat the same day, scored 4 of 5.
    (conv,) = _contacts(factory, 1)
    with session_scope(factory) as s:
        citizen = s.get_one(Conversation, conv).citizen_id
        s.add(ContactSurvey(conversation_id=conv, citizen_id=citizen, channel="webchat", token="t" * 20, comment="",
                            sent_at=clock.now(), expires_at=clock.now() + timedelta(days=3), score=4,
                            answered_at=clock.now()))

    h = _as(client, "shopper1")
    mine = client.get("/api/v1/quality/mystery/assignments/mine").json()
    assert [a["id"] for a in mine] == [assignment] and mine[0]["form"]["id"] == form["id"]
    assert client.get("/api/v1/quality/mystery/assignments").status_code == 403  # nobody else's
    assert client.get("/api/v1/quality/evaluations/mine").json() == []
    future = (clock.now() + timedelta(hours=1)).isoformat()
    r = client.post(f"/api/v1/quality/mystery/assignments/{assignment}/complete", headers=h, json={
        "answers": GOOD, "answer_correct": True, "contact_at": future})
    assert r.status_code == 422 and r.json()["error"] == "bad_contact_time"
    at = (clock.now() - timedelta(minutes=5)).isoformat()
    r = client.post(f"/api/v1/quality/mystery/assignments/{assignment}/complete", headers=h, json={
        "answers": {**GOOD, "correct": 4}, "answer_correct": True, "contact_at": at, "notes": "3분 대기 후 연결"})
    assert r.status_code == 200 and r.json()["status"] == "done"
    score = r.json()["score"]
    again = client.post(f"/api/v1/quality/mystery/assignments/{assignment}/complete", headers=h, json={
        "answers": GOOD, "answer_correct": True, "contact_at": at})
    assert again.status_code == 409

    h = _as(client, "supervisor1")
    report = client.get(f"/api/v1/quality/mystery/report?start={today}&end={today}").json()
    (web,) = [c for c in report["channels"] if c["channel"] == "webchat"]
    assert web["mystery_contacts"] == 1 and web["mystery_mean_score"] == score
    assert web["mystery_answer_correct_pct"] == 100.0
    assert web["surveys_answered"] == 1 and web["citizen_mean"] == 4.0 and web["citizen_mean_pct"] == 75.0


def test_another_shopper_cannot_see_or_report_an_assignment(client, seeded, factory):
    h = _as(client, "supervisor1")
    form = _form(client, h)
    scenario = client.post("/api/v1/quality/mystery/scenarios", headers=h, json={
        "title": "전입 신고", "channel": "voice", "script": "이사했어요", "expected_answer": "14일 이내 전입신고",
        "form_id": form["id"]}).json()
    with session_scope(factory) as s:
        s.add(User(username="shopper2", display_name="쇼퍼 2", role="shopper", password_hash=s.scalar(
            select(User.password_hash).where(User.username == "shopper1")), active=True))
    assignment = client.post("/api/v1/quality/mystery/assignments", headers=h, json={
        "scenario_id": scenario["id"], "shopper_id": _user_id(factory, "shopper1"), "due_on": _today(factory)}).json()
    h = _as(client, "shopper2")
    assert client.get("/api/v1/quality/mystery/assignments/mine").json() == []
    r = client.post(f"/api/v1/quality/mystery/assignments/{assignment['id']}/complete", headers=h, json={
        "answers": GOOD, "answer_correct": False, "contact_at": clock.now().isoformat()})
    assert r.status_code == 404
    h = _as(client, "supervisor1")
    bad = client.post("/api/v1/quality/mystery/scenarios", headers=h, json={
        "title": "x", "channel": "fax", "script": "x", "expected_answer": "x", "form_id": form["id"]})
    assert bad.status_code == 422 and bad.json()["error"] == "bad_channel"
