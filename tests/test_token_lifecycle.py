"""Integration tokens (issue 18, ASVS 2.10/3.5): created with a lifetime, their last use and
address shown, a use from a new address audited, rotation without downtime (old and new valid
together for the overlap, then only the new one), expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dasan.admin.actions import do_rotate_token
from dasan.core import clock
from dasan.core.errors import Conflict
from dasan.db.engine import session_scope
from dasan.orgs.models import User
from dasan.security.models import AuditEntry

from .conftest import login


def _body(i: int) -> dict:
    return {"channel": "sms", "external_id": f"life-{i}", "sender": {"phone": "010-5555-0101"},
            "text": "버스 노선 문의", "sent_at": "2026-11-21T09:00:00+09:00"}


def _send(client, token: str, i: int) -> int:
    r = client.post("/api/v1/intake/messages", json=_body(i), headers={"Authorization": f"Bearer {token}"})
    return r.status_code


def _tokens(client) -> dict[int, dict]:
    return {t["id"]: t for t in client.get("/api/v1/admin/tokens").json()}


def _audit(factory, action: str) -> list[AuditEntry]:
    with session_scope(factory) as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_a_token_records_its_use_and_expires_after_its_lifetime(app, client, seeded):
    h = {"X-CSRF-Token": login(client, "admin")}
    made = client.post("/api/v1/admin/tokens", headers=h, json={"channel": "sms", "days": 30}).json()
    listed = _tokens(client)[made["id"]]
    assert listed["last_used_at"] is None and listed["expired"] is False
    assert _send(client, made["token"], 1) == 202
    listed = _tokens(client)[made["id"]]
    assert listed["last_used_at"] is not None and listed["last_used_address"] == "testclient"
    # the same token from another address: a security event in the audit log
    elsewhere = TestClient(app, client=("203.0.113.9", 40000))  # no `with`: the app's lifespan is the client's
    assert _send(elsewhere, made["token"], 2) == 202
    moved = _audit(seeded, "token.new_address")
    assert len(moved) == 1 and moved[0].detail == {"channel": "sms", "address": "203.0.113.9",
                                                   "previous": "testclient"}
    assert made["token"] not in str(moved[0].detail)
    clock.advance(timedelta(days=30, minutes=1))
    assert _send(client, made["token"], 3) == 401
    # (a month on, the admin's own session and second-factor grace are over: the rest goes direct)
    with session_scope(seeded) as s:
        admin = s.scalar(select(User).where(User.username == "admin"))
        with pytest.raises(Conflict) as refused:
            do_rotate_token(session=s, admin=admin, token_id=made["id"], overlap_hours=1)
    assert refused.value.code == "not_live"


def test_rotation_keeps_both_tokens_valid_for_the_overlap_then_only_the_new_one(client, seeded):
    h = {"X-CSRF-Token": login(client, "admin")}
    old = client.post("/api/v1/admin/tokens", headers=h, json={"channel": "sms", "days": None}).json()
    r = client.post(f"/api/v1/admin/tokens/{old['id']}/rotate", headers=h, json={"overlap_hours": 2})
    assert r.status_code == 201
    new = r.json()
    assert new["replaces"] == old["id"] and new["token"] != old["token"]
    assert _send(client, old["token"], 1) == 202 and _send(client, new["token"], 2) == 202  # both, meanwhile
    listed = _tokens(client)
    assert listed[old["id"]]["expires_at"] is not None and listed[new["id"]]["expires_at"] is None
    clock.advance(timedelta(hours=2, minutes=1))
    assert _send(client, old["token"], 3) == 401
    assert _send(client, new["token"], 4) == 202
    rotated = _audit(seeded, "admin.token.rotate")
    assert len(rotated) == 1 and rotated[0].detail["new_token"] == new["id"]
    assert old["token"] not in str(rotated[0].detail) and new["token"] not in str(rotated[0].detail)
    assert client.post("/api/v1/admin/tokens/999999/rotate", headers=h, json={}).status_code == 404
