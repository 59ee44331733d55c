"""The second factor (issue 18, ASVS 2.7/2.8): TOTP enrolment confirmed by the app's first code,
a login in two steps, each code used once, recovery codes, wrong codes throttled like passwords,
required for admins and supervisors after a grace period, reset by an admin."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import select

from dasan.core import clock
from dasan.db.engine import session_scope
from dasan.orgs.models import User
from dasan.security import factor
from dasan.security.models import AuditEntry

from .conftest import login


def test_codes_match_their_step_with_one_step_of_drift_and_only_once():
    secret = factor.new_secret()
    totp = pyotp.TOTP(secret)
    at = datetime(2026, 12, 7, 10, 0, 15, tzinfo=UTC)
    now_code, before, long_ago = totp.at(at), totp.at(at - timedelta(seconds=30)), totp.at(at - timedelta(seconds=90))
    step = factor.step_of(at)
    assert factor.matching_step(secret, now_code, at, None) == step
    assert factor.matching_step(secret, before, at, None) == step - 1
    assert factor.matching_step(secret, long_ago, at, None) is None
    assert factor.matching_step(secret, now_code, at, step) is None  # used already
    assert factor.matching_step(secret, before, at, step - 1) is None
    assert factor.matching_step(secret, "12345", at, None) is None
    assert factor.matching_step(secret, "abcdef", at, None) is None


def test_secrets_are_sealed_with_the_servers_key_and_recovery_codes_forgive_typing():
    sealed = factor.seal("JBSWY3DPEHPK3PXP", "key-one")
    assert "JBSWY3DPEHPK3PXP" not in sealed
    assert factor.unseal(sealed, "key-one") == "JBSWY3DPEHPK3PXP"
    assert factor.unseal(sealed, "key-two") is None
    codes = factor.new_recovery_codes()
    assert len(set(codes)) == 10 and all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", c) for c in codes)
    assert factor.recovery_hash(codes[0]) == factor.recovery_hash(" " + codes[0].upper().replace("-", " ") + " ")


def _form(client, path="/login") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def _password(client, username: str, password: str = "dasan-demo-120"):
    return client.post("/login", data={"username": username, "password": password, "csrf_token": _form(client)},
                       follow_redirects=False)


def _code(client, page_html: str, code: str):
    token = re.search(r'name="csrf_token" value="([^"]+)"', page_html).group(1)
    return client.post("/login/code", data={"code": code, "csrf_token": token}, follow_redirects=False)


def _enrol(client, csrf: str) -> tuple[str, list[str]]:
    h = {"X-CSRF-Token": csrf}
    started = client.post("/api/v1/me/second-factor/start", headers=h).json()
    assert started["uri"].startswith("otpauth://totp/") and started["qr"].startswith("data:image/svg+xml")
    secret = started["secret"]
    r = client.post("/api/v1/me/second-factor/confirm", headers=h, json={"code": "000000"})
    if r.status_code == 200:  # one in a million: 000000 was the code
        return secret, r.json()["recovery_codes"]
    assert r.status_code == 422 and r.json()["error"] == "wrong_code"
    r = client.post("/api/v1/me/second-factor/confirm", headers=h,
                    json={"code": pyotp.TOTP(secret).at(clock.now())})
    assert r.status_code == 200, r.text
    return secret, r.json()["recovery_codes"]


def _audit(factory, prefix: str) -> list[str]:
    with session_scope(factory) as s:
        return list(s.scalars(select(AuditEntry.action).where(AuditEntry.action.like(prefix + "%"))
                              .order_by(AuditEntry.id)))


def test_enrolment_then_a_login_in_two_steps_each_code_once_and_recovery_codes(client, seeded):
    csrf = login(client, "agent1")
    secret, codes = _enrol(client, csrf)
    assert len(codes) == 10
    assert client.get("/api/v1/me/second-factor").json() == {
        "enabled": True, "required": False, "due": None, "recovery_codes_left": 10}
    with session_scope(seeded) as s:
        stored = s.scalar(select(User.totp_secret).where(User.username == "agent1"))
    assert secret not in stored  # sealed
    client.cookies.clear()

    # The password alone: the code page, and nobody logged in yet
    first = _password(client, "agent1")
    assert first.status_code == 200 and 'action="/login/code"' in first.text
    assert client.get("/api/v1/agent/state").status_code == 401
    wrong = _code(client, first.text, "000000" if pyotp.TOTP(secret).at(clock.now()) != "000000" else "111111")
    assert wrong.status_code == 401 and "코드가 맞지 않습니다" in wrong.text
    clock.advance(timedelta(seconds=31))  # past the enrolment's step
    code = pyotp.TOTP(secret).at(clock.now())
    done = _code(client, wrong.text, code)
    assert done.status_code == 303 and done.headers["location"] == "/agent"
    assert client.get("/api/v1/agent/state").status_code == 200

    # The same code again (a replay within its 30 s): refused
    client.cookies.clear()
    again = _password(client, "agent1")
    assert _code(client, again.text, code).status_code == 401
    # A recovery code works once
    client.cookies.clear()
    page = _password(client, "agent1")
    assert _code(client, page.text, codes[3].upper()).status_code == 303
    client.cookies.clear()
    page = _password(client, "agent1")
    assert _code(client, page.text, codes[3]).status_code == 401
    assert "second_factor.recovery_code" in _audit(seeded, "second_factor.")
    # the code step without the password step: back to the password
    client.cookies.clear()
    r = client.post("/login/code", data={"code": code, "csrf_token": _form(client)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_a_pending_login_lapses_after_a_few_minutes(client, seeded):
    csrf = login(client, "agent1")
    secret, _ = _enrol(client, csrf)
    client.cookies.clear()
    page = _password(client, "agent1")
    clock.advance(timedelta(minutes=6))
    r = _code(client, page.text, pyotp.TOTP(secret).at(clock.now()))
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert client.get("/api/v1/agent/state").status_code == 401


def test_wrong_codes_are_throttled_and_lock_like_wrong_passwords(client, seeded):
    csrf = login(client, "agent1")
    secret, _ = _enrol(client, csrf)
    client.cookies.clear()
    page = _password(client, "agent1")
    failures = 0
    for _ in range(40):
        wrong = "000000" if pyotp.TOTP(secret).at(clock.now()) != "000000" else "111111"
        r = _code(client, page.text, wrong)
        if r.status_code == 429:
            wait = int(r.headers["retry-after"])
            if wait > 60:
                break
            clock.advance(timedelta(seconds=wait))
            client.cookies.clear()
            page = _password(client, "agent1")
            assert page.status_code in (200, 429)
            continue
        assert r.status_code == 401
        failures += 1
        page = r
    assert failures == 10
    # locked: even the right password is refused now
    client.cookies.clear()
    assert _password(client, "agent1").status_code == 429
    assert "login.locked" in _audit(seeded, "login.")


def test_supervisors_must_set_up_a_second_factor_after_the_grace_period(client, seeded):
    csrf = login(client, "supervisor1")
    due = client.get("/api/v1/me/second-factor").json()
    assert due["required"] and not due["enabled"]
    assert datetime.fromisoformat(due["due"]) > clock.now() + timedelta(days=6)
    assert client.get("/supervisor").status_code == 200  # within the grace period
    clock.advance(timedelta(days=7, minutes=1))
    client.cookies.clear()
    r = _password(client, "supervisor1")
    assert r.status_code == 303 and r.headers["location"] == "/me"
    csrf = re.search(r'data-csrf="([^"]+)"', client.get("/me").text).group(1)
    page = client.get("/supervisor", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/me"
    api = client.get("/api/v1/queues")
    assert api.status_code == 403 and api.json()["error"] == "second_factor_required"
    r = client.post("/api/v1/me/second-factor/disable", headers={"X-CSRF-Token": csrf}, json={"password": "x"})
    assert r.status_code == 409  # nothing to turn off here, and never for this role
    _enrol(client, csrf)
    assert client.get("/supervisor").status_code == 200


def test_an_admin_without_a_second_factor_cannot_reach_admin_pages_after_the_grace_period(client, seeded):
    login(client, "admin")
    assert client.get("/admin").status_code == 200
    clock.advance(timedelta(days=8))
    client.cookies.clear()
    _password(client, "admin")
    for path in ("/admin", "/admin/audit", "/admin/voice"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/me", path
    assert client.get("/api/v1/admin/users").json()["error"] == "second_factor_required"


def test_an_admin_resets_a_lost_second_factor_and_an_agent_turns_their_own_off(client, seeded):
    csrf = login(client, "agent1")
    _enrol(client, csrf)
    r = client.post("/api/v1/me/second-factor/disable", headers={"X-CSRF-Token": csrf},
                    json={"password": "not-my-password"})
    assert r.status_code == 422 and r.json()["error"] == "wrong_password"
    client.cookies.clear()
    admin_csrf = login(client, "admin")
    with session_scope(seeded) as s:
        ids = dict(s.execute(select(User.username, User.id)).all())
    h = {"X-CSRF-Token": admin_csrf}
    assert client.post(f"/api/v1/admin/users/{ids['admin']}/second-factor/reset", headers=h).status_code == 409
    assert client.post(f"/api/v1/admin/users/{ids['agent1']}/second-factor/reset", headers=h).status_code == 200
    client.cookies.clear()
    assert _password(client, "agent1").status_code == 303  # the password alone again
    csrf = re.search(r'data-csrf="([^"]+)"', client.get("/me").text).group(1)
    _enrol(client, csrf)
    r = client.post("/api/v1/me/second-factor/disable", headers={"X-CSRF-Token": csrf},
                    json={"password": "dasan-demo-120"})
    assert r.status_code == 200 and client.get("/api/v1/me/second-factor").json()["enabled"] is False
    assert _audit(seeded, "second_factor.") == ["second_factor.enrol", "second_factor.enrol",
                                                "second_factor.disable"]
    assert "admin.user.reset_second_factor" in _audit(seeded, "admin.")
