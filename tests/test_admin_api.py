"""The administration console's API (M1): departments with legacy numbers, skills, queues, agents'
skills, users, channel tokens — validated with clear errors that change nothing, every change
audited; a revoked token is refused at the intake."""

from __future__ import annotations

from sqlalchemy import select

from dasan.orgs.models import Department, LegacyLine, User
from dasan.routing.models import AgentSkill, Queue
from dasan.security.models import AuditEntry

from .conftest import login


def _actions(factory, prefix="admin."):
    with factory() as s:
        return s.scalars(select(AuditEntry.action).where(AuditEntry.action.startswith(prefix))
                         .order_by(AuditEntry.id)).all()


def test_an_admin_sets_up_a_department_a_queue_and_an_agent(client, seeded):
    factory = seeded
    h = {"X-CSRF-Token": login(client, "admin")}
    org = client.get("/api/v1/organisations").json()[0]["code"]
    r = client.put("/api/v1/admin/departments", headers=h,
                   json={"code": "noise", "name": "소음관리과", "name_en": "Noise Control", "organisation_code": org})
    assert r.status_code == 200, r.text
    dept_id = r.json()["id"]
    assert client.put("/api/v1/admin/departments", headers=h,
                      json={"code": "Bad Code", "name": "x", "organisation_code": org}).json()["error"] == "bad_code"
    r = client.post(f"/api/v1/admin/departments/{dept_id}/lines", json={"number": "02-2133-9999"}, headers=h)
    assert r.status_code == 201
    again = client.post(f"/api/v1/admin/departments/{dept_id}/lines", json={"number": "02-2133-9999"}, headers=h)
    assert again.status_code == 409 and again.json()["error"] == "line_exists"
    assert client.post(f"/api/v1/admin/departments/{dept_id}/lines", json={"number": "call me"},
                       headers=h).json()["error"] == "bad_number"
    assert client.get("/api/v1/lines/02-2133-9999").json()["department"]["code"] == "noise"

    assert client.put("/api/v1/admin/skills", json={"code": "noise", "kind": "topic", "name": "소음"},
                      headers=h).status_code == 200
    bad = client.put("/api/v1/admin/queues", headers=h,
                     json={"code": "noise", "name": "소음 상담", "skill_code": "nope"})
    assert bad.status_code == 422 and bad.json()["error"] == "skill"
    half = client.put("/api/v1/admin/queues", headers=h,
                      json={"code": "noise", "name": "소음 상담", "skill_code": "noise", "overflow_after_s": 60})
    assert half.json()["error"] == "bad_overflow"
    r = client.put("/api/v1/admin/queues", headers=h,
                   json={"code": "noise", "name": "소음 상담", "skill_code": "noise", "sl_seconds": 20,
                         "overflow_after_s": 90, "overflow_skill": "ko", "callback_after_s": 120})
    assert r.status_code == 200, r.text
    r = client.post("/api/v1/admin/users", headers=h,
                    json={"username": "agent-noise", "password": "noise-agent-1", "role": "agent",
                          "display_name": "소음 담당 상담사", "skills": {"noise": 5, "ko": 4}})
    assert r.status_code == 201, r.text
    uid = r.json()["id"]
    dup = client.post("/api/v1/admin/users", headers=h,
                      json={"username": "agent-noise", "password": "noise-agent-1", "role": "agent"})
    assert dup.status_code == 409
    assert client.put(f"/api/v1/admin/users/{uid}/skills", json={"skills": {"noise": 9}}, headers=h).status_code == 422
    assert client.put(f"/api/v1/admin/users/{uid}/skills", json={"skills": {"noise": 3}}, headers=h).status_code == 200
    with factory() as s:
        q = s.scalar(select(Queue).where(Queue.code == "noise"))
        assert (q.skill_code, q.sl_seconds, q.overflow_after_s, q.overflow_skill) == ("noise", 20, 90, "ko")
        assert s.scalar(select(LegacyLine.department_id).where(LegacyLine.number == "02-2133-9999")) == dept_id
        assert [a.proficiency for a in s.scalars(select(AgentSkill).where(AgentSkill.user_id == uid))] == [3]
        assert s.get_one(Department, dept_id).name_en == "Noise Control"
    assert _actions(factory) == ["admin.department.create", "admin.line.add", "admin.skill.create",
                                 "admin.queue.create", "admin.user.create", "admin.agent.skills"]


def test_users_are_changed_deactivated_and_given_a_new_password(client, seeded):
    factory = seeded
    h = {"X-CSRF-Token": login(client, "admin")}
    with factory() as s:
        admin_id = s.scalar(select(User.id).where(User.username == "admin"))
        agent_id = s.scalar(select(User.id).where(User.username == "agent7"))
    assert client.patch(f"/api/v1/admin/users/{admin_id}", json={"active": False}, headers=h).json()["error"] == \
        "own_account"
    own = client.post(f"/api/v1/admin/users/{admin_id}/password", headers=h)
    assert own.status_code == 409 and own.json()["error"] == "own_account"
    r = client.post(f"/api/v1/admin/users/{agent_id}/password", headers=h)
    new = r.json()["password"]
    assert r.status_code == 200 and len(new) >= 12
    assert client.patch(f"/api/v1/admin/users/{agent_id}", json={"display_name": "임도현 선임"},
                        headers=h).json()["display_name"] == "임도현 선임"
    login(client, "agent7", new)  # the new password works
    h = {"X-CSRF-Token": login(client, "admin")}
    assert client.patch(f"/api/v1/admin/users/{agent_id}", json={"active": False}, headers=h).status_code == 200
    page = client.get("/login").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = client.post("/login", data={"username": "agent7", "password": new, "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code != 303  # a deactivated user cannot log in
    assert _actions(factory) == ["admin.user.reset_password", "admin.user.update", "admin.user.update"]


def test_a_revoked_channel_token_is_refused_at_the_intake(client, seeded):
    factory = seeded
    h = {"X-CSRF-Token": login(client, "admin")}
    assert client.post("/api/v1/admin/tokens", json={"channel": "Bad Channel"}, headers=h).status_code == 422
    made = client.post("/api/v1/admin/tokens", json={"channel": "sns-line"}, headers=h).json()
    listed = client.get("/api/v1/admin/tokens").json()
    assert listed[0]["id"] == made["id"] and "token" not in listed[0]
    body = {"channel": "sns-line", "external_id": "tk-1", "sender": {"phone": "010-5555-1001"}, "text": "문의",
            "sent_at": "2026-12-07T10:00:00+09:00"}
    bearer = {"Authorization": f"Bearer {made['token']}"}
    assert client.post("/api/v1/intake/messages", json=body, headers=bearer).status_code == 202
    assert client.post(f"/api/v1/admin/tokens/{made['id']}/revoke", headers=h).status_code == 200
    assert client.post(f"/api/v1/admin/tokens/{made['id']}/revoke", headers=h).status_code == 409
    refused = client.post("/api/v1/intake/messages", json={**body, "external_id": "tk-2"}, headers=bearer)
    assert refused.status_code == 401
    assert _actions(factory) == ["admin.token.create", "admin.token.revoke"]


def test_case_types_get_a_department_and_a_deadline(client, seeded):
    from dasan.cases.models import CaseType

    factory = seeded
    h = {"X-CSRF-Token": login(client, "admin")}
    body = {"code": "graffiti", "name": "낙서 제거 요청", "name_en": "Graffiti removal", "department_code": "roads",
            "working_days": 4, "priority": "normal", "category": "안전"}
    r = client.put("/api/v1/admin/case-types", headers=h, json=body)
    assert r.status_code == 200, r.text
    listed = {t["code"]: t for t in client.get("/api/v1/admin/case-types").json()}
    assert listed["graffiti"]["department_code"] == "roads" and listed["graffiti"]["working_days"] == 4
    # A district's matter: each district's department of that kind answers.
    r = client.put("/api/v1/admin/case-types", headers=h,
                   json={**body, "department_code": None, "district_suffix": "cleaning", "working_days": 2})
    assert r.status_code == 200, r.text
    # Refused with a reason, and nothing changes.
    for bad, error in (({"department_code": "roads", "district_suffix": "cleaning"}, "bad_department"),
                       ({"department_code": None, "district_suffix": ""}, "bad_department"),
                       ({"department_code": "nowhere"}, "unknown_department"),
                       ({"department_code": None, "district_suffix": "moon"}, "unknown_district_suffix"),
                       ({"code": "Bad Code"}, "bad_code"), ({"name": "  "}, "bad_name")):
        r = client.put("/api/v1/admin/case-types", headers=h, json={**body, **bad})
        assert r.status_code == 422 and r.json()["error"] == error, (bad, r.text)
    assert client.put("/api/v1/admin/case-types", headers=h, json={**body, "working_days": 0}).status_code == 422
    with factory() as s:
        t = s.scalars(select(CaseType).where(CaseType.code == "graffiti")).one()
        assert (t.department_id, t.district_suffix, t.working_days) == (None, "cleaning", 2)
    assert _actions(factory, "admin.case_type") == ["admin.case_type.create", "admin.case_type.update"]
    client.cookies.clear()
    h = {"X-CSRF-Token": login(client, "supervisor1")}
    assert client.put("/api/v1/admin/case-types", headers=h, json=body).status_code == 403


def test_the_center_identity_and_office_hours(client, seeded):
    factory = seeded
    h = {"X-CSRF-Token": login(client, "admin")}
    before = client.get("/api/v1/admin/center").json()
    assert before["office_close"] == "18:00" and before["languages"][0] == "ko"
    r = client.patch("/api/v1/admin/center", headers=h,
                     json={"office_close": "17:30", "names": {"en": "Seoul 120 Call Center"}, "sms_sender": "1200"})
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["office_close"] == "17:30" and after["sms_sender"] == "1200"
    assert after["names"]["en"] == "Seoul 120 Call Center" and after["names"]["ko"] == before["names"]["ko"]
    for bad, error in (({"office_close": "5:3pm"}, "bad_time"), ({"office_open": "19:00"}, "bad_center"),
                       ({"names": {"fr": "Centre"}}, "bad_language")):
        r = client.patch("/api/v1/admin/center", headers=h, json=bad)
        assert r.status_code == 422 and r.json()["error"] == error, (bad, r.text)
    assert client.get("/api/v1/admin/center").json() == after  # refused changes changed nothing
    with factory() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "admin.center.update")).one()
        assert entry.detail["office_close"] == "17:30:00" and entry.detail["was_office_close"] == "18:00:00"
    client.cookies.clear()
    login(client, "agent1")
    assert client.get("/api/v1/admin/center").status_code == 403


def test_open311_keys_and_webhook_sources_are_made_shown_once_and_taken_away(client, seeded):
    from .channels.test_webhook import BODY, _post

    factory = seeded
    h = {"X-CSRF-Token": login(client, "admin")}
    r = client.post("/api/v1/admin/open311-keys", headers=h, json={"name": "seoul-app"})
    assert r.status_code == 201, r.text
    key, key_id = r.json()["api_key"], r.json()["id"]
    listed = [t for t in client.get("/api/v1/admin/tokens").json() if t["id"] == key_id]
    assert listed and listed[0]["channel"] == "open311:seoul-app" and "token" not in listed[0]
    bad = client.post("/api/v1/admin/open311-keys", headers=h, json={"name": "no spaces"})
    assert bad.json()["error"] == "bad_name"
    services = client.get(f"/open311/v2/services.json?api_key={key}")
    assert services.status_code == 200
    assert client.post(f"/api/v1/admin/tokens/{key_id}/revoke", headers=h).status_code == 200
    refused = client.post("/open311/v2/requests.json", data={"api_key": key, "service_code": "streetlight",
                                                            "description": "out", "lat": 37.56, "long": 126.97})
    assert refused.status_code in (401, 403)

    r = client.post("/api/v1/admin/webhooks", headers=h,
                    json={"platform": "line", "callback_url": "http://127.0.0.1:9/reply", "reply_window_h": 24})
    assert r.status_code == 201, r.text
    secret = r.json()["secret"]
    assert client.post("/api/v1/admin/webhooks", headers=h, json={"platform": "line"}).json()["error"] == "exists"
    assert client.post("/api/v1/admin/webhooks", headers=h,
                       json={"platform": "x", "callback_url": "ftp://a"}).json()["error"] == "bad_url"
    sources = client.get("/api/v1/admin/webhooks").json()
    assert [s["platform"] for s in sources] == ["line"] and "secret" not in sources[0]
    client.cookies.clear()
    assert _post(client, "line", secret, BODY).status_code == 202
    h = {"X-CSRF-Token": login(client, "admin")}
    assert client.delete(f"/api/v1/admin/webhooks/{sources[0]['id']}", headers=h).status_code == 204
    assert client.delete(f"/api/v1/admin/webhooks/{sources[0]['id']}", headers=h).status_code == 404
    client.cookies.clear()
    assert _post(client, "line", secret, {**BODY, "message_id": "kk-2"}).status_code == 404
    assert _actions(factory, "admin.")[-4:] == ["admin.open311_key.create", "admin.token.revoke",
                                                 "admin.webhook.create", "admin.webhook.remove"]


def test_a_password_an_admin_gave_is_replaced_before_anything_else(client, seeded):
    factory = seeded
    h = {"X-CSRF-Token": login(client, "admin")}
    r = client.post("/api/v1/admin/users", headers=h, json={"username": "agent-new", "password": "given-by-admin-1",
                                                             "role": "agent", "skills": {"ko": 3}})
    assert r.status_code == 201, r.text
    client.cookies.clear()
    page = client.get("/login").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = client.post("/login", data={"username": "agent-new", "password": "given-by-admin-1", "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/me"  # first, their own page
    me_page = client.get("/me")
    assert me_page.status_code == 200 and 'id="must-change"' in me_page.text
    csrf = me_page.text.split('data-csrf="', 1)[1].split('"', 1)[0]
    h = {"X-CSRF-Token": csrf}
    # Nothing else until then: pages send them back, the API refuses with a reason.
    r = client.get("/agent", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/me"
    r = client.post("/api/v1/agent/presence", json={"presence": "available"}, headers=h)
    assert r.status_code == 403 and r.json()["error"] == "password_change_required"
    # Wrong current password, too short, too easy to guess (a common one; the user's own name
    # twice), the same again: refused, and said why.
    for body, error in (({"current": "nope-nope", "new": "my-own-secret-9"}, "wrong_password"),
                        ({"current": "given-by-admin-1", "new": "short"}, "password_short"),
                        ({"current": "given-by-admin-1", "new": "qwerty123456"}, "password_weak"),
                        ({"current": "given-by-admin-1", "new": "agent-newagent-new"}, "password_weak"),
                        ({"current": "given-by-admin-1", "new": "given-by-admin-1"}, "same_password")):
        r = client.post("/api/v1/me/password", json=body, headers=h)
        assert r.status_code == 422 and r.json()["error"] == error, r.text
    assert client.post("/api/v1/me/password", json={"current": "given-by-admin-1", "new": "my-own-secret-9"},
                       headers={}).status_code == 403  # CSRF still applies
    r = client.post("/api/v1/me/password", json={"current": "given-by-admin-1", "new": "my-own-secret-9"}, headers=h)
    assert r.status_code == 200, r.text
    assert client.get("/agent").status_code == 200
    assert client.post("/api/v1/agent/presence", json={"presence": "available"}, headers=h).status_code == 200
    client.cookies.clear()
    login(client, "agent-new", "my-own-secret-9")
    with factory() as s:
        user = s.scalars(select(User).where(User.username == "agent-new")).one()
        assert user.must_change_password is False
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.user_id == user.id)
                            .where(AuditEntry.action.startswith("user.password"))).all()
        assert actions == ["user.password_change"]
    # An admin's reset asks for a change again.
    h = {"X-CSRF-Token": login(client, "admin")}
    assert client.post(f"/api/v1/admin/users/{user.id}/password", headers=h).status_code == 200
    with factory() as s:
        assert s.get(User, user.id).must_change_password is True


def test_departments_and_users_are_imported_from_csv_and_xlsx_with_a_report(client, seeded, tmp_path):
    import io

    from openpyxl import Workbook

    factory = seeded
    h = {"X-CSRF-Token": login(client, "admin")}
    departments = ("code,name,name_en,organisation,lines\n"
                   "noise,소음관리과,Noise Control,,02-2133-7001|02-2133-7002\n"
                   "bus,버스정책과(개편),Bus Policy,,\n"
                   "Bad Code,잘못된 코드,,,\n"
                   "ghost,유령과,,nowhere,\n")
    r = client.post("/api/v1/admin/import/departments", headers=h,
                    files={"file": ("depts.csv", departments.encode("utf-8-sig"), "text/csv")})
    assert r.status_code == 200, r.text
    rep = r.json()
    assert (rep["read"], rep["created"], rep["updated"]) == (4, 1, 1)
    assert [x["row"] for x in rep["rejected"]] == [4, 5] and "organisation" in rep["rejected"][1]["reason"]
    assert client.get("/api/v1/lines/02-2133-7002").json()["department"]["code"] == "noise"
    again = client.post("/api/v1/admin/import/departments", headers=h,
                        files={"file": ("depts.csv", departments.encode(), "text/csv")}).json()
    assert (again["created"], again["updated"]) == (0, 2)  # a second run adds nothing

    wb = Workbook()
    ws = wb.active
    ws.append(["username", "display_name", "role", "department", "skills", "password"])
    ws.append(["agent-a", "에이", "agent", None, "ko:5|en:3", "given-password-1"])
    ws.append(["official-noise", "소음 주무관", "official", "noise", None, None])
    ws.append(["agent-b", "비", "agent", None, "klingon:5", None])
    ws.append(["agent-c", "씨", "pilot", None, None, None])
    ws.append(["agent1", "이미 있음", "agent", None, None, None])
    buf = io.BytesIO()
    wb.save(buf)
    r = client.post("/api/v1/admin/import/users", headers=h, files={"file": ("users.xlsx", buf.getvalue())})
    assert r.status_code == 200, r.text
    rep = r.json()
    assert (rep["read"], rep["created"], rep["skipped_existing"]) == (5, 2, 1)
    assert [x["row"] for x in rep["rejected"]] == [4, 5]
    assert "klingon" in rep["rejected"][0]["reason"] and "role" in rep["rejected"][1]["reason"]
    assert [p["username"] for p in rep["passwords"]] == ["official-noise"]  # made here, shown once
    with factory() as s:
        made = {u.username: u for u in s.scalars(select(User).where(User.username.in_(
            ["agent-a", "official-noise", "agent-b", "agent-c"])))}
        assert set(made) == {"agent-a", "official-noise"}  # refused rows stored nothing
        assert all(u.must_change_password for u in made.values())
    # The generated password logs in (and must then be replaced).
    client.cookies.clear()
    login(client, "official-noise", rep["passwords"][0]["password"])
    assert client.get("/cases", follow_redirects=False).headers["location"] == "/me"

    client.cookies.clear()
    h = {"X-CSRF-Token": login(client, "admin")}
    for name, data, error in (("users.txt", b"x", "bad_file"), ("users.csv", "이름".encode("euc-kr"), "bad_file"),
                              ("users.xlsx", b"not a zip", "bad_file")):
        r = client.post("/api/v1/admin/import/users", headers=h, files={"file": (name, data)})
        assert r.status_code == 422 and r.json()["error"] == error, (name, r.text)
    assert client.post("/api/v1/admin/import/cases", headers=h,
                       files={"file": ("x.csv", b"a\n1\n")}).status_code == 422
    assert _actions(factory, "admin.import") == ["admin.import"] * 3
    client.cookies.clear()
    h = {"X-CSRF-Token": login(client, "supervisor1")}
    assert client.post("/api/v1/admin/import/users", headers=h,
                       files={"file": ("u.csv", b"username,role\nx,agent\n")}).status_code == 403


def test_a_closed_day_of_the_center_moves_deadlines_like_a_public_holiday(client, seeded):
    from datetime import date, datetime, timedelta

    from dasan.center import service as center_service

    factory = seeded
    h = {"X-CSRF-Token": login(client, "admin")}
    with factory() as s:
        center = center_service.get(s)
    # A Monday after no public holiday: a 1-working-day matter opened then is due on Tuesday.
    monday = date(2027, 3, 8)
    opened = datetime.combine(monday, datetime.min.time(), center.tz) + timedelta(hours=10)
    assert center.today(center.due_at(opened, 1)) == date(2027, 3, 9)
    r = client.patch("/api/v1/admin/center", headers=h, json={"closed_days": {"2027-03-09": "센터 이전"}})
    assert r.status_code == 200, r.text
    assert r.json()["closed_days"] == {"2027-03-09": "센터 이전"}
    with factory() as s:
        center = center_service.get(s)
    assert center.today(center.due_at(opened, 1)) == date(2027, 3, 10)  # the closed day does not count
    for bad in ({"closed_days": {"9 March": "x"}}, {"closed_days": {"2027-03-09": "y" * 101}}):
        r = client.patch("/api/v1/admin/center", headers=h, json=bad)
        assert r.status_code == 422, r.text
    assert client.get("/api/v1/admin/center").json()["closed_days"] == {"2027-03-09": "센터 이전"}
    r = client.patch("/api/v1/admin/center", headers=h, json={"closed_days": {}})
    assert r.json()["closed_days"] == {}


def test_organisations_are_added_under_the_city(client, seeded):
    factory = seeded
    h = {"X-CSRF-Token": login(client, "admin")}
    city = client.get("/api/v1/organisations").json()[0]["code"]
    r = client.put("/api/v1/admin/organisations", headers=h,
                   json={"code": "seoul-water", "name": "서울아리수본부", "kind": "agency", "parent_code": city})
    assert r.status_code == 200, r.text
    assert any(o["code"] == "seoul-water" for o in client.get("/api/v1/organisations").json())
    r = client.put("/api/v1/admin/departments", headers=h,
                   json={"code": "arisu-quality", "name": "수질과", "organisation_code": "seoul-water"})
    assert r.status_code == 200, r.text
    for bad, error in (({"code": "Bad!"}, "bad_code"), ({"parent_code": "nowhere"}, "organisation"),
                       ({"name": " "}, "bad_name")):
        r = client.put("/api/v1/admin/organisations", headers=h,
                       json={"code": "x-org", "name": "엑스", "kind": "agency", **bad})
        assert r.status_code == 422 and r.json()["error"] == error, r.text
    assert client.put("/api/v1/admin/organisations", headers=h,
                      json={"code": "x-org", "name": "엑스", "kind": "planet"}).status_code == 422
    assert _actions(factory, "admin.organisation") == ["admin.organisation.create"]
