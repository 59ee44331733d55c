"""Login throttling (issue 18, ASVS 2.2.1): growing delays, then a lock per account and per source
address, answered 429 with Retry-After; a locked account's right password is refused until the
lock ends; every step audited. The pure policy is checked with properties."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from dasan.core import clock
from dasan.db.engine import session_scope
from dasan.orgs.models import User
from dasan.security.models import AuditEntry, LoginFailure
from dasan.security.throttle import Policy, verdict

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
POLICY = Policy()
offsets = st.lists(st.integers(min_value=0, max_value=3 * 3600), max_size=30)


def _times(seconds: list[int]) -> list[datetime]:
    return [T0 + timedelta(seconds=s) for s in seconds]


@given(offsets, st.integers(min_value=0, max_value=4 * 3600))
def test_the_wait_is_never_negative_and_a_few_failures_are_free(seconds, later):
    now = T0 + timedelta(seconds=max(seconds, default=0) + later)
    v = verdict(_times(seconds), now, POLICY)
    assert v.wait >= timedelta(0)
    if len(seconds) <= POLICY.free:
        assert v.allowed
    assert v.allowed == (v.retry_after_s == 0)


@given(offsets, st.integers(min_value=0, max_value=3 * 3600), st.integers(min_value=0, max_value=600))
def test_one_more_failure_never_shortens_the_wait(seconds, extra, later):
    now = T0 + timedelta(seconds=max([*seconds, extra]) + later)
    before = verdict(_times(seconds), now, POLICY)
    after = verdict(_times([*seconds, extra]), now, POLICY)
    assert after.wait >= before.wait
    assert after.locked or not before.locked


@given(offsets, st.integers(min_value=0, max_value=3600), st.integers(min_value=1, max_value=3600))
def test_time_passing_never_moves_the_end_of_a_wait_later(seconds, later, more):
    now = T0 + timedelta(seconds=max(seconds, default=0) + later)
    first = verdict(_times(seconds), now, POLICY)
    second = verdict(_times(seconds), now + timedelta(seconds=more), POLICY)
    assert now + timedelta(seconds=more) + second.wait <= max(now + first.wait, now + timedelta(seconds=more))


def test_ten_failures_in_a_window_lock_for_the_lock_time_and_then_it_ends():
    failures = _times([i * 30 for i in range(10)])  # every 30 s: within 15 minutes
    last = failures[-1]
    v = verdict(failures, last + timedelta(seconds=1), POLICY)
    assert v.locked and v.wait == POLICY.lock_for - timedelta(seconds=1)
    assert verdict(failures, last + POLICY.lock_for, POLICY).allowed
    # the delays before the lock grow: 1 s after the fifth failure, 2 s after the sixth …
    assert [verdict(failures[:n], failures[n - 1], POLICY).wait.total_seconds() for n in range(4, 10)] == \
        [0, 1, 2, 4, 8, 16]


def test_failures_spread_wider_than_the_window_do_not_lock():
    failures = _times([i * 200 for i in range(10)])  # 30 minutes for ten: never ten in 15 minutes
    v = verdict(failures, failures[-1] + timedelta(seconds=1), POLICY)
    assert not v.locked


def _form(client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)


def _try(client, username: str, password: str):
    return client.post("/login", data={"username": username, "password": password, "csrf_token": _form(client)},
                       follow_redirects=False)


def _fail_until_locked(client, username: str) -> int:
    """Wrong passwords, waiting out each delay as a patient attacker would, until a lock.
    Returns how many failures were counted."""
    failed = 0
    for _ in range(60):
        r = _try(client, username, "not-the-password")
        if r.status_code == 429:
            wait = int(r.headers["retry-after"])
            if wait > 60:
                return failed
            clock.advance(timedelta(seconds=wait))
            continue
        assert r.status_code == 401
        failed += 1
    raise AssertionError("never locked")


def _audit(factory, action: str) -> list[AuditEntry]:
    with session_scope(factory) as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_an_account_is_locked_after_ten_failures_and_its_right_password_refused_until_the_lock_ends(
        client, seeded):
    assert _fail_until_locked(client, "admin") == 10
    r = _try(client, "admin", "dasan-demo-120")
    assert r.status_code == 429
    assert 14 * 60 < int(r.headers["retry-after"]) <= 15 * 60
    assert "잠겼습니다" in r.text and "dasan_session" not in r.headers.get("set-cookie", "")
    # another account from the same address is not held by this account's lock … (9 failures
    # from this address so far: below the address's own lock)
    with session_scope(seeded) as s:
        admin_id = s.scalar(select(User.id).where(User.username == "admin"))
    failed = _audit(seeded, "login.failed")
    assert len(failed) == 10 and all(e.subject_id == admin_id and e.user_id is None for e in failed)
    assert failed[0].detail["username"] == "admin" and "not-the-password" not in str(failed[0].detail)
    locked = _audit(seeded, "login.locked")
    assert [e.detail["scope"] for e in locked] == ["account", "address"]  # one address made all ten
    throttled = _audit(seeded, "login.throttled")
    assert throttled and throttled[-1].detail["locked"] is True
    # … and when the lock ends the right password works, and clears the account's failures
    clock.advance(timedelta(seconds=int(r.headers["retry-after"])))
    assert _try(client, "admin", "dasan-demo-120").status_code == 303
    assert _try(client, "admin", "wrong-again").status_code == 401


def test_one_address_guessing_many_accounts_is_locked_and_audited(client, seeded):
    names = [f"guess{i}" for i in range(12)] + ["agent1", "supervisor1"]
    failures = 0
    for name in names:
        r = _try(client, name, "not-the-password")
        while r.status_code == 429 and int(r.headers["retry-after"]) <= 60:
            clock.advance(timedelta(seconds=int(r.headers["retry-after"])))
            r = _try(client, name, "not-the-password")
        if r.status_code == 429:
            break
        assert r.status_code == 401
        failures += 1
    assert failures == 10
    # the address is locked: a real user's right password from it waits too
    r = _try(client, "agent1", "dasan-demo-120")
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 60
    assert "이 주소에서" in r.text
    locked = _audit(seeded, "login.locked")
    assert [e.detail["scope"] for e in locked] == ["address"]
    assert _audit(seeded, "login.throttled")[-1].detail["scope"] == "address"
    clock.advance(timedelta(minutes=15))
    assert _try(client, "agent1", "dasan-demo-120").status_code == 303


def test_a_few_mistypes_are_free_and_a_success_clears_the_account_but_not_the_address(client, seeded):
    for _ in range(4):
        assert _try(client, "agent1", "mistyped").status_code == 401
    assert _try(client, "agent1", "dasan-demo-120").status_code == 303
    with session_scope(seeded) as s:
        by_name = s.scalar(select(func.count()).select_from(LoginFailure).where(
            LoginFailure.username == "agent1", LoginFailure.cleared.is_(False)))
        by_address = s.scalar(select(func.count()).select_from(LoginFailure).where(
            LoginFailure.address == "testclient"))
    assert (by_name, by_address) == (0, 4)
