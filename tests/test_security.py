"""Login, cookies, password storage, headers, redirects."""

from __future__ import annotations

import re

from sqlalchemy import select

from dasan.db.engine import session_scope
from dasan.orgs.models import User

from .conftest import login


def test_login_sets_a_httponly_samesite_cookie_and_stores_argon2(client, seeded):
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/login", data={"username": "agent1", "password": "dasan-demo-120", "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/agent"
    cookie = next(v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith("dasan_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    with session_scope(seeded) as s:
        stored = s.scalar(select(User.password_hash).where(User.username == "agent1"))
    assert stored.startswith("$argon2id$") and "dasan-demo-120" not in stored


def test_wrong_password_and_missing_login_csrf_are_refused(client, seeded):
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/login", data={"username": "agent1", "password": "wrong", "csrf_token": token})
    assert r.status_code == 401 and "아이디 또는 비밀번호가 올바르지 않습니다." in r.text
    client.cookies.clear()
    r = client.post("/login", data={"username": "agent1", "password": "dasan-demo-120", "csrf_token": "x"})
    assert r.status_code == 403


def test_login_redirect_stays_on_this_site(client, seeded):
    page = client.get("/login?next=//evil.example/")
    assert 'name="next" value=""' in page.text
    page = client.get("/login?next=/supervisor")
    assert 'name="next" value="/supervisor"' in page.text


def test_pages_forbid_inline_scripts_and_pages_need_login(client, seeded):
    r = client.get("/agent", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/agent"
    login(client, "agent1")
    r = client.get("/agent")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<script>" not in r.text  # every script is a file; the CSP would block inline ones


def test_logout_ends_the_session(client, seeded):
    csrf = login(client, "agent1")
    assert client.post("/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/api/v1/agent/state").status_code == 401


def test_openapi_documents_the_intake(client):
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/api/v1/intake/messages" in spec["paths"]
