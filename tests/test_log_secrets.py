"""No password, session id or token in a server's log (issue 18): a real server is used the ways
that carry secrets — a wrong and a right password, the session cookie, a token shown once, the
token in Kannel's query string and as a bearer — and its log holds none of them. (Every other
server log of the run is scanned the same way when its test ends: tests/conftest.py.)"""

from __future__ import annotations

import re

import httpx

from tests.log_leaks import leaks


def test_a_servers_log_holds_no_password_session_id_or_token(server_env, servers):
    server = servers({**server_env, "DASAN_LOG_FORMAT": "json"})
    wrong = "Not-The-Password-7731"
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=30) as web:
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/login").text).group(1)
        assert web.post("/login", data={"username": "admin", "password": wrong, "csrf_token": csrf}).status_code == 401
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/login").text).group(1)
        r = web.post("/login", data={"username": "admin", "password": "dasan-demo-120", "csrf_token": csrf})
        assert r.status_code == 303
        session_id = web.cookies.get("dasan_session")
        page_csrf = re.search(r'data-csrf="([^"]+)"', web.get("/me").text).group(1)
        made = web.post("/api/v1/admin/tokens", headers={"X-CSRF-Token": page_csrf}, json={"channel": "sms"})
        token = made.json()["token"]
        mo = web.get("/channels/sms/kannel/mo", params={"token": token, "from": "+821055550101", "to": "120",
                                                         "text": "버스 노선 문의", "id": "log-1"})
        assert mo.status_code == 200, mo.text
        intake = web.post("/api/v1/intake/messages", headers={"Authorization": f"Bearer {token}"},
                          json={"channel": "sms", "external_id": "log-2", "sender": {"phone": "010-5555-0102"},
                                "text": "문의", "sent_at": "2026-11-21T09:00:00+09:00"})
        assert intake.status_code == 202
        assert web.get("/channels/sms/kannel/mo", params={"token": "forged-token-value-123",
                                                            "from": "+821055550103", "text": "x",
                                                            "id": "x"}).status_code == 401
    server.stop()
    log = server.log_path.read_text(errors="replace")
    assert "/channels/sms/kannel/mo?token=***" in log  # the access log is there, redacted
    for secret in (wrong, "dasan-demo-120", session_id, token, "forged-token-value-123"):
        assert secret and secret not in log
    assert leaks(log) == []


def test_the_scanner_finds_planted_secrets_and_passes_redacted_ones():
    assert leaks('INFO "GET /channels/sms/kannel/mo?token=Zx9_abcdEFGH12&from=*** HTTP/1.1" 200')
    assert leaks("cookie: dasan_session=Zx9_abcdEFGH12345678")
    assert leaks('{"msg": "sent", "headers": {"authorization": "Bearer Zx9_abcdEFGH12345678"}}')
    assert leaks('{"msg": "login", "password": "Zx9_abcdEFGH"}')
    assert leaks("admin logged in with dasan-demo-120")
    assert leaks("x", also=("x",))
    assert leaks('INFO "GET /channels/sms/kannel/mo?token=***&from=***&to=***&text=*** HTTP/1.1" 200') == []
    assert leaks('{"msg": "12 tokens", "csrf_token": "abc"}') == []
