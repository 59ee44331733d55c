"""Login sessions (issue 18, ASVS 3.3): idle and absolute timeouts, a user's own list where they
end their other sessions, an admin ending anyone's; an open staff socket follows its session."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from starlette.websockets import WebSocketDisconnect

from dasan.core import clock
from dasan.db.engine import session_scope
from dasan.orgs.models import User
from dasan.security.models import AuditEntry
from dasan.web import views

from .conftest import login


def _as(client, cookie: str) -> None:
    client.cookies.clear()
    client.cookies.set("dasan_session", cookie)


def _login(client, username: str) -> tuple[str, str]:
    client.cookies.clear()
    csrf = login(client, username)
    return client.cookies.get("dasan_session"), csrf


def _actions(factory) -> list[str]:
    with session_scope(factory) as s:
        return list(s.scalars(select(AuditEntry.action).where(AuditEntry.action.like("%session%"))
                              .order_by(AuditEntry.id)))


def test_a_session_unused_for_the_idle_time_ends_and_use_keeps_it_alive(client, seeded):
    client.app.state.settings.session_idle_minutes = 30  # the default (tests elsewhere use the absolute time)
    _login(client, "agent1")
    for _ in range(3):  # used every 29 minutes: alive for well over the idle time
        clock.advance(timedelta(minutes=29))
        assert client.get("/api/v1/agent/state").status_code == 200
    clock.advance(timedelta(minutes=30))
    assert client.get("/api/v1/agent/state").status_code == 401
    r = client.get("/agent", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_a_session_ends_at_its_absolute_time_however_much_it_is_used(client, seeded):
    client.app.state.settings.session_idle_minutes = 30
    _login(client, "agent1")
    for _ in range(12 * 3 - 1):
        clock.advance(timedelta(minutes=20))
        assert client.get("/api/v1/agent/state").status_code == 200
    clock.advance(timedelta(minutes=20))  # twelve hours after the login
    assert client.get("/api/v1/agent/state").status_code == 401


def test_a_user_sees_their_sessions_and_ends_the_others_but_not_someone_elses(client, seeded):
    first, _ = _login(client, "agent1")
    other_user, _ = _login(client, "agent2")
    second, csrf = _login(client, "agent1")
    h = {"X-CSRF-Token": csrf}
    mine = client.get("/api/v1/me/sessions").json()
    assert [s["current"] for s in mine] == [True, False] and mine[0]["address"] == "testclient"
    assert all(s["ends_at"] > s["last_seen_at"] for s in mine)
    this_id, first_id = mine[0]["id"], mine[1]["id"]
    r = client.delete(f"/api/v1/me/sessions/{this_id}", headers=h)
    assert r.status_code == 409 and r.json()["error"] == "current_session"
    # agent2's session: not theirs to end, and not even said to exist
    _as(client, other_user)
    theirs = client.get("/api/v1/me/sessions").json()[0]["id"]
    _as(client, second)
    r = client.delete(f"/api/v1/me/sessions/{theirs}", headers=h)
    assert r.status_code == 404
    assert client.delete(f"/api/v1/me/sessions/{first_id}", headers=h).status_code == 200
    _as(client, first)
    assert client.get("/api/v1/agent/state").status_code == 401
    _as(client, other_user)
    assert client.get("/api/v1/agent/state").status_code == 200
    # End the others: two more logins of agent1 end, this one stays
    third, _ = _login(client, "agent1")
    _as(client, second)
    assert client.post("/api/v1/me/sessions/end-others", headers=h).json() == {"ended": 1}
    _as(client, third)
    assert client.get("/api/v1/agent/state").status_code == 401
    _as(client, second)
    assert len(client.get("/api/v1/me/sessions").json()) == 1
    assert _actions(seeded) == ["session.end", "session.end_others"]


def test_an_admin_ends_another_users_sessions_and_not_their_own_here(client, seeded):
    agent, _ = _login(client, "agent1")
    admin, csrf = _login(client, "admin")
    with session_scope(seeded) as s:
        ids = dict(s.execute(select(User.username, User.id).where(User.username.in_(("agent1", "admin")))).all())
    h = {"X-CSRF-Token": csrf}
    r = client.post(f"/api/v1/admin/users/{ids['admin']}/sessions/end", headers=h)
    assert r.status_code == 409 and r.json()["error"] == "own_account"
    assert client.post("/api/v1/admin/users/999999/sessions/end", headers=h).status_code == 404
    assert client.post(f"/api/v1/admin/users/{ids['agent1']}/sessions/end", headers=h).json()["ended"] == 1
    _as(client, agent)
    assert client.get("/api/v1/agent/state").status_code == 401
    assert _actions(seeded) == ["admin.user.end_sessions"]


def test_an_open_staff_socket_closes_when_its_session_is_ended(client, seeded, monkeypatch):
    monkeypatch.setattr(views, "SOCKET_RECHECK_S", 0.0)
    first, _ = _login(client, "agent1")
    second, csrf = _login(client, "agent1")
    _as(client, first)
    with client.websocket_connect("/ws/staff") as ws:
        assert ws.receive_json()["type"] == "hello"
        ws.send_text("ping")
        while ws.receive_json()["type"] != "pong":  # alive while the session is
            pass
        _as(client, second)
        assert client.post("/api/v1/me/sessions/end-others", headers={"X-CSRF-Token": csrf}).json()["ended"] == 1
        ws.send_text("ping")
        with pytest.raises(WebSocketDisconnect) as closed:
            while ws.receive_json()["type"] != "pong":
                pass
        assert closed.value.code == 4401
