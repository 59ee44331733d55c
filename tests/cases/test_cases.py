"""Cases: an agent hands a consultation to the district's department, its official answers, the
citizen is told on their channel, looks it up, answers the survey once; deadlines escalate once;
officials of another district can neither see nor change it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dasan.cases.actions import do_escalate_deadlines
from dasan.cases.models import Case, CaseEvent
from dasan.core import clock
from dasan.db.engine import session_scope
from dasan.demo.profiles import SEOUL_120
from dasan.outbox.models import OutboxItem

from ..conftest import login
from ..test_conversation_flow import accepted_by_agent1

PHONE = "+821055550001"  # accepted_by_agent1's citizen (E.164: the one phone identity)


def _sms_texts(factory) -> list[str]:
    with session_scope(factory) as s:
        return [i.body for i in s.scalars(select(OutboxItem).where(OutboxItem.recipient == PHONE)
                                          .order_by(OutboxItem.id))]


def _open(client, factory, app, **over):
    conv_id, h = accepted_by_agent1(client, factory, app)
    body = {"case_type": "bulky-waste", "title": "냉장고 수거 요청", "description": "3층 계단, 엘리베이터 없음",
            "district": "mapo", "address": "서울 마포구 월드컵로 212", **over}
    r = client.post(f"/api/v1/conversations/{conv_id}/cases", json=body, headers=h)
    return conv_id, h, r


def test_agent_opens_a_case_the_district_official_answers_and_the_citizen_follows_it(client, seeded, app):
    factory = seeded
    conv_id, h, r = _open(client, factory, app)
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["department"] == "마포구 청소행정과" and case["status"] == "open" and case["district"] == "mapo"
    assert case["number"].endswith(f"-{case['id']:06d}")
    with session_scope(factory) as s:
        row = s.get(Case, case["id"])
        assert row.due_at == SEOUL_120.due_at(row.opened_at, 3) and row.contact_phone == PHONE
    # The citizen is told the case number by SMS (the outbox sends it through Kannel).
    assert case["number"] in _sms_texts(factory)[-1] and "마포구 청소행정과" in _sms_texts(factory)[-1]
    # The suggestions for this consultation name the citizen's district department.
    sug = client.get(f"/api/v1/conversations/{conv_id}/case-suggestions?district=mapo", headers=h).json()
    want = {"case_type": "bulky-waste", "department": "마포구 청소행정과", "reason": "district"}
    assert want.items() <= sug[0].items()
    # The agent's category for the consultation brings the types of that category.
    sug = client.get(f"/api/v1/conversations/{conv_id}/case-suggestions",
                     params={"district": "mapo", "category": "주차"}, headers=h).json()
    assert {(x["case_type"], x["department"], x["reason"]) for x in sug} >= {
        ("illegal-parking", "주차계획과", "category"), ("abandoned-vehicle", "주차계획과", "category")}

    oh = {"X-CSRF-Token": login(client, "official-mapo")}
    queue = client.get("/api/v1/cases", headers=oh).json()
    assert [c["number"] for c in queue] == [case["number"]]
    # The official reads what the citizen and the agent said (not the agents' internal notes).
    detail = client.get(f"/api/v1/cases/{case['id']}", headers=oh).json()
    assert [m["kind"] for m in detail["transcript"]][0] == "inbound"
    assert all(m["kind"] in ("inbound", "outbound") for m in detail["transcript"])
    assert client.post(f"/api/v1/cases/{case['id']}/take", headers=oh).json()["status"] == "in_progress"
    client.post(f"/api/v1/cases/{case['id']}/comments", json={"body": "수거 업체 배정 중 (내부)"},
                headers=oh).raise_for_status()
    n_before = len(_sms_texts(factory))
    client.post(f"/api/v1/cases/{case['id']}/comments", json={"body": "내일 오전 수거 예정입니다.", "public": True},
                headers=oh).raise_for_status()
    assert len(_sms_texts(factory)) == n_before + 1 and "내일 오전 수거 예정입니다." in _sms_texts(factory)[-1]
    r = client.post(f"/api/v1/cases/{case['id']}/resolve", json={"answer": "수거를 마쳤습니다."}, headers=oh)
    assert r.status_code == 200 and r.json()["status"] == "resolved"
    texts = _sms_texts(factory)
    assert "수거를 마쳤습니다." in texts[-2] and "만족" in texts[-1] and f"/cases/{case['number']}/survey" in texts[-1]
    assert client.post(f"/api/v1/cases/{case['id']}/resolve", json={"answer": "다시"}, headers=oh).status_code == 409

    # The citizen looks it up with the number and their phone: public comments only.
    client.cookies.clear()
    got = client.get(f"/api/v1/public/cases/{case['number']}", params={"phone": "010-5555-0001"}).json()
    assert got["status"] == "resolved" and got["survey"] == "open"
    assert [c["body"] for c in got["comments"]] == ["내일 오전 수거 예정입니다.", "수거를 마쳤습니다."]
    assert client.get(f"/api/v1/public/cases/{case['number']}", params={"phone": "010-0000-0000"}).status_code == 404
    survey = {"phone": "+82 10-5555-0001", "score": 5, "comment": "빨리 처리해 주셔서 감사합니다"}
    assert client.post(f"/api/v1/public/cases/{case['number']}/survey", json=survey).status_code == 200
    r = client.post(f"/api/v1/public/cases/{case['number']}/survey", json=survey)
    assert r.status_code == 409 and r.json()["error"] == "already_answered"
    assert len(_sms_texts(factory)) == len(texts)  # the survey went out once


def test_an_official_of_another_district_can_neither_see_nor_change_the_case(client, seeded, app):
    factory = seeded
    _, h, r = _open(client, factory, app)
    cid = r.json()["id"]
    gh = {"X-CSRF-Token": login(client, "official-gangnam")}
    assert client.get("/api/v1/cases", headers=gh).json() == []
    assert client.get(f"/api/v1/cases/{cid}", headers=gh).status_code == 404
    for path, body in (("take", None), ("comments", {"body": "x", "public": True}), ("resolve", {"answer": "x"}),
                       ("reassign", {"assignee_id": 1}), ("return", {"reason": "x"}), ("callback", {"note": "x"})):
        resp = client.post(f"/api/v1/cases/{cid}/{path}", json=body, headers=gh)
        assert resp.status_code == 404, (path, resp.text)
    assert client.post(f"/api/v1/cases/{cid}/transfer", json={"department_id": 1}, headers=gh).status_code == 403
    with session_scope(factory) as s:
        case = s.get(Case, cid)
        assert case.status == "open" and case.assignee_id is None
        assert [e.kind for e in s.scalars(select(CaseEvent).where(CaseEvent.case_id == cid))] == ["opened"]
    # An agent of the center reads it but does not work it.
    ah = {"X-CSRF-Token": login(client, "agent1")}
    assert client.get(f"/api/v1/cases/{cid}", headers=ah).status_code == 200
    assert client.post(f"/api/v1/cases/{cid}/take", headers=ah).status_code == 403


@pytest.mark.parametrize("body, status, code", [
    ({"case_type": "no-such-type"}, 422, "unknown_case_type"),
    ({"district": ""}, 422, "district_required"),
    ({"district": "atlantis"}, 422, "unknown_district"),
    ({"priority": "whenever"}, 422, "bad_priority"),
])
def test_a_case_that_cannot_be_opened_says_why_and_nothing_is_stored(client, seeded, app, body, status, code):
    _, _, r = _open(client, seeded, app, **body)
    assert r.status_code == status and r.json()["error"] == code, r.text
    with session_scope(seeded) as s:
        assert s.scalars(select(Case)).all() == []


def test_returned_to_the_center_and_sent_to_another_department(client, seeded, app):
    factory = seeded
    _, _, r = _open(client, factory, app, case_type="illegal-parking", district="")
    cid = r.json()["id"]
    oh = {"X-CSRF-Token": login(client, "official-parking")}
    assert client.post(f"/api/v1/cases/{cid}/return", json={"reason": "  "}, headers=oh).status_code == 422
    assert client.post(f"/api/v1/cases/{cid}/return", json={"reason": "구청 소관입니다"},
                       headers=oh).json()["status"] == "returned"
    sh = {"X-CSRF-Token": login(client, "supervisor1")}
    returned = client.get("/api/v1/cases?status=returned", headers=sh).json()
    assert [c["id"] for c in returned] == [cid]
    with session_scope(factory) as s:
        from dasan.orgs.models import Department
        mapo = s.scalar(select(Department.id).where(Department.code == "mapo-cleaning"))
    moved = client.post(f"/api/v1/cases/{cid}/transfer", json={"department_id": mapo}, headers=sh).json()
    assert moved["department"] == "마포구 청소행정과" and moved["status"] == "open"
    assert [c["id"] for c in client.get("/api/v1/cases", headers={"X-CSRF-Token": login(client, "official-mapo")})
            .json()] == [cid]


def test_a_deadline_escalates_once_when_near_and_once_when_passed(client, seeded, app):
    factory = seeded
    _, _, r = _open(client, factory, app)
    cid = r.json()["id"]
    with session_scope(factory) as s:
        due = s.get(Case, cid).due_at
    with session_scope(factory) as s:
        assert do_escalate_deadlines(session=s, now=due - timedelta(days=2)) == []
    for _ in range(3):  # the minute loop runs again and again: once is once
        with session_scope(factory) as s:
            got = do_escalate_deadlines(session=s, now=due - timedelta(hours=5))
        assert got in ([(r.json()["number"], "near")], [])
    for _ in range(3):
        with session_scope(factory) as s:
            do_escalate_deadlines(session=s, now=due + timedelta(minutes=1))
    with session_scope(factory) as s:
        kinds = [e.kind for e in s.scalars(select(CaseEvent).where(CaseEvent.case_id == cid))]
    assert kinds.count("escalated_near") == 1 and kinds.count("escalated_overdue") == 1
    # Overdue shows in the official's queue; the clock is the one tests move.
    clock.advance(due - clock.now() + timedelta(hours=1))
    oh = {"X-CSRF-Token": login(client, "official-mapo")}
    assert [c["overdue"] for c in client.get("/api/v1/cases?overdue=true", headers=oh).json()] == [True]


def test_report_fcr_transfers_deadline_compliance_and_satisfaction(client, seeded, app):
    from datetime import date

    from dasan.cases.actions import do_answer_survey, do_open_case, do_resolve
    from dasan.cases.models import CaseType
    from dasan.orgs.models import User

    factory = seeded
    # Two consultations: one solved on the spot, one handed to Mapo-gu as a case.
    conv_id, h = accepted_by_agent1(client, factory, app)
    client.post(f"/api/v1/conversations/{conv_id}/end", headers=h)
    client.post(f"/api/v1/conversations/{conv_id}/wrapup", headers=h, json={
        "category": "청소·폐기물", "summary": "배출 방법 안내", "resolution": "solved"}).raise_for_status()
    from ..test_conversation_flow import _intake, offer_now

    conv2 = _intake(client, factory, ext="m2", phone="010-5555-0002")["conversation_id"]
    offer_now(app, factory, conv2)
    client.post(f"/api/v1/conversations/{conv2}/accept", headers=h).raise_for_status()
    client.post(f"/api/v1/conversations/{conv2}/cases", headers=h, json={
        "case_type": "bulky-waste", "title": "소파 수거", "district": "mapo"}).raise_for_status()
    client.post(f"/api/v1/conversations/{conv2}/end", headers=h)
    client.post(f"/api/v1/conversations/{conv2}/wrapup", headers=h, json={
        "category": "청소·폐기물", "summary": "구청 이관", "resolution": "transferred"}).raise_for_status()
    with session_scope(factory) as s:
        official = s.scalar(select(User).where(User.username == "official-mapo"))
        parking = s.scalar(select(CaseType).where(CaseType.code == "illegal-parking"))
        mapo_case = s.scalars(select(Case)).one()
        do_resolve(session=s, case=mapo_case, official=official, answer="수거 완료", survey_url="/s")
        do_answer_survey(session=s, case=mapo_case, score=4)
        late = do_open_case(session=s, ctype=parking, title="불법 주차", now=clock.now() - timedelta(days=5))
        assert late.number
    sh = {"X-CSRF-Token": login(client, "supervisor1")}
    today = SEOUL_120.today(clock.now())
    rep = client.get("/api/v1/reports/cases", headers=sh, params={"start": str(today - timedelta(days=6))}).json()
    t = rep["totals"]
    assert (t["consultations"], t["solved_first_contact"], t["fcr"]) == (2, 1, 0.5)
    assert (t["cases_opened"], t["cases_resolved"], t["resolved_on_time"], t["deadline_compliance"]) == (2, 1, 1, 1.0)
    assert (t["open_overdue"], t["surveys_answered"], t["satisfaction_avg"]) == (1, 1, 4.0)
    assert len(rep["rows"]) == 7 and rep["rows"][-1]["key"] == str(today)
    assert {(x["department"], x["case_type"], x["cases"]) for x in rep["transfers"]} == {
        ("마포구 청소행정과", "bulky-waste", 1), ("주차계획과", "illegal-parking", 1)}
    by_district = client.get("/api/v1/reports/cases", headers=sh, params={
        "start": str(today - timedelta(days=6)), "by": "district"}).json()
    assert {r["key"]: r["cases_opened"] for r in by_district["rows"]} == {"city": 1, "mapo": 1}
    csv = client.get("/api/v1/reports/cases", headers=sh, params={"start": str(today - timedelta(days=6)),
                                                                  "format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv") and csv.text.splitlines()[-1].startswith("total,2,1,0.5")
    bad = client.get("/api/v1/reports/cases", headers=sh, params={"start": str(today), "end": str(date(2020, 1, 1))})
    assert bad.status_code == 422 and bad.json()["error"] == "bad_period"
    oh = {"X-CSRF-Token": login(client, "official-mapo")}
    assert client.get("/api/v1/reports/cases", headers=oh).status_code == 403


def test_department_asks_for_a_callback_and_warm_transfer_in_office_hours(client, seeded, app):
    from datetime import datetime

    SEOUL = SEOUL_120.tz
    from dasan.conversations.models import Conversation, Message

    factory = seeded
    conv_id, h, r = _open(client, factory, app)
    cid = r.json()["id"]
    oh = {"X-CSRF-Token": login(client, "official-mapo")}
    cb = client.post(f"/api/v1/cases/{cid}/callback", json={"note": "수거 시간 조율 필요"}, headers=oh)
    assert cb.status_code == 201 and cb.json()["callback_number"] == PHONE
    with session_scope(factory) as s:
        conv = s.get(Conversation, cb.json()["conversation_id"])
        assert conv.status in ("queued", "offered") and conv.callback_number == PHONE
        note = s.scalar(select(Message.body).where(Message.conversation_id == conv.id, Message.kind == "note"))
        assert "수거 시간 조율 필요" in note and r.json()["number"] in note
    # Warm transfer is offered while the department's phones are answered: Monday 10:00, not 20:00.
    clock.advance(datetime(2026, 11, 23, 10, 0, tzinfo=SEOUL) - clock.now())
    h = {"X-CSRF-Token": login(client, "agent1")}
    sug = client.get(f"/api/v1/conversations/{conv_id}/case-suggestions?district=mapo", headers=h).json()
    assert sug[0]["warm_transfer"] is True and sug[0]["phone"]
    clock.advance(timedelta(hours=10))
    sug = client.get(f"/api/v1/conversations/{conv_id}/case-suggestions?district=mapo", headers=h).json()
    assert sug[0]["warm_transfer"] is False


def test_the_citizen_lookup_page_shows_public_news_only(client, seeded, app):
    factory = seeded
    _, _, r = _open(client, factory, app)
    case = r.json()
    oh = {"X-CSRF-Token": login(client, "official-mapo")}
    client.post(f"/api/v1/cases/{case['id']}/comments", json={"body": "내부 검토 중"}, headers=oh)
    client.post(f"/api/v1/cases/{case['id']}/comments", json={"body": "이번 주 안에 수거합니다", "public": True},
                headers=oh)
    client.cookies.clear()
    page = client.get("/cases/lookup", params={"number": case["number"], "phone": "010-5555-0001"})
    assert page.status_code == 200 and "이번 주 안에 수거합니다" in page.text and "내부 검토 중" not in page.text
    assert "마포구 청소행정과" in page.text and 'id="lookup-status">접수<' in page.text
    wrong = client.get("/cases/lookup", params={"number": case["number"], "phone": "010-9999-9999"})
    assert 'id="lookup-error"' in wrong.text and "이번 주" not in wrong.text


def test_reassign_only_to_an_official_of_the_same_department(client, seeded, app):
    from dasan.orgs.actions import do_create_user
    from dasan.orgs.models import User

    factory = seeded
    _, _, r = _open(client, factory, app)
    cid = r.json()["id"]
    with session_scope(factory) as s:
        colleague = do_create_user(session=s, username="official-mapo2", password="dasan-demo-120", role="official",
                                   display_name="마포구 청소행정과 주무관 이도윤", department_code="mapo-cleaning")
        colleague_id = colleague.id
        gangnam = s.scalar(select(User.id).where(User.username == "official-gangnam"))
    oh = {"X-CSRF-Token": login(client, "official-mapo")}
    names = [o["name"] for o in client.get(f"/api/v1/cases/{cid}", headers=oh).json()["officials"]]
    assert "마포구 청소행정과 주무관 이도윤" in names and not any("강남구" in n for n in names)
    bad = client.post(f"/api/v1/cases/{cid}/reassign", json={"assignee_id": gangnam}, headers=oh)
    assert bad.status_code == 422 and bad.json()["error"] == "bad_assignee"
    ok = client.post(f"/api/v1/cases/{cid}/reassign", json={"assignee_id": colleague_id}, headers=oh)
    assert ok.status_code == 200 and ok.json()["assignee_id"] == colleague_id
    mine = client.get("/api/v1/cases?mine=true", headers={"X-CSRF-Token": login(client, "official-mapo2")}).json()
    assert [c["id"] for c in mine] == [cid]


def test_escalated_cases_are_listed_for_the_supervisors(client, seeded, app):
    factory = seeded
    _, _, r = _open(client, factory, app)
    cid = r.json()["id"]
    sh = {"X-CSRF-Token": login(client, "supervisor1")}
    assert client.get("/api/v1/cases?escalated=true", headers=sh).json() == []
    with session_scope(factory) as s:
        due = s.get(Case, cid).due_at
    with session_scope(factory) as s:
        do_escalate_deadlines(session=s, now=due + timedelta(minutes=5))
    [row] = client.get("/api/v1/cases?escalated=true", headers=sh).json()
    assert row["id"] == cid and row["escalated"] == "overdue"
