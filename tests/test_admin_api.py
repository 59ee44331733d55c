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
