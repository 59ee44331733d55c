"""The audit viewer (M18): admins search who opened which citizen, recording or export, filter by
person, action, subject and day, page on, and export CSV — the export masked and itself audited."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import select

from dasan.center import service as center_service
from dasan.core import clock
from dasan.db.engine import session_scope
from dasan.security.actions import do_audit
from dasan.security.models import AuditEntry

from .conftest import login
from .test_conversation_flow import _intake


def test_admins_search_the_audit_log_and_export_it(client, seeded):
    factory = seeded
    citizen_id = None
    conv = _intake(client, factory, text="제 번호는 010-2345-6789 입니다", ext="au-1", phone="010-5555-0301")
    with session_scope(factory) as s:  # offered to agent1, who may then open the citizen's history
        from dasan.conversations.models import Conversation
        from dasan.orgs.models import User
        row = s.get_one(Conversation, conv["conversation_id"])
        citizen_id = row.citizen_id
        row.offered_to_id = s.scalar(select(User.id).where(User.username == "agent1"))
    login(client, "agent1")
    assert client.get(f"/api/v1/citizens/{citizen_id}/history").status_code == 200
    with session_scope(factory) as s:  # an entry from a week ago, and one whose detail holds a phone number
        old = AuditEntry(user_id=None, action="retention.purge", subject_type="recording", subject_id=None,
                         detail={"removed": 3}, at=clock.now() - timedelta(days=8))
        s.add(old)
        do_audit(session=s, user_id=None, action="protect.restrict", subject_type="citizen", subject_id=citizen_id,
                 detail={"note": "민원인 010-2345-6789"})

    # Not for anyone but admins.
    login(client, "supervisor1")
    assert client.get("/api/v1/audit").status_code == 403
    login(client, "admin")
    everything = client.get("/api/v1/audit").json()
    assert {"login", "citizen.history.view", "protect.restrict", "retention.purge"} <= set(everything["actions"])
    ids = [e["id"] for e in everything["entries"]]
    assert ids == sorted(ids, reverse=True)

    viewed = client.get("/api/v1/audit", params={"username": "agent1", "action": "citizen.history.view"}).json()
    assert [(e["subject_type"], e["subject_id"], e["user"]) for e in viewed["entries"]] == [
        ("citizen", citizen_id, "최민준")]
    about = client.get("/api/v1/audit", params={"subject_type": "citizen", "subject_id": citizen_id}).json()["entries"]
    assert {e["action"] for e in about} == {"citizen.history.view", "protect.restrict"}
    system = client.get("/api/v1/audit", params={"username": "system", "action": "protect."}).json()["entries"]
    assert [e["action"] for e in system] == ["protect.restrict"] and system[0]["username"] == "system"
    with factory() as s:
        center = center_service.get(s)
    today = center.today(clock.now())
    this_week = client.get("/api/v1/audit", params={"start": (today - timedelta(days=6)).isoformat(),
                                                     "end": today.isoformat()}).json()["entries"]
    assert "retention.purge" not in {e["action"] for e in this_week} and this_week
    first = client.get("/api/v1/audit", params={"limit": 2}).json()["entries"]
    page2 = client.get("/api/v1/audit", params={"limit": 2, "before_id": first[-1]["id"]}).json()["entries"]
    assert len(first) == 2 and all(e["id"] < first[-1]["id"] for e in page2)
    yesterday = (today - timedelta(days=1)).isoformat()
    bad = client.get("/api/v1/audit", params={"start": today.isoformat(), "end": yesterday})
    assert bad.status_code == 422 and bad.json()["error"] == "bad_period"
    assert client.get("/api/v1/audit", params={"limit": 0}).status_code == 422

    exported = client.get("/api/v1/audit", params={"action": "protect.", "format": "csv"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert [r["action"] for r in rows] == ["protect.restrict"]
    assert "2345-6789" not in exported.text and "***-****-****" in rows[0]["detail"]  # masked
    assert rows[0]["at"].endswith("+09:00")  # the center's time zone
    with factory() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "audit.export")).one()
        assert entry.detail["action"] == "protect." and entry.detail["rows"] == 1


def test_security_events_are_one_choice_away(client, seeded):
    from .test_login_throttle import _try

    assert _try(client, "agent1", "not-the-password").status_code == 401
    login(client, "supervisor1")
    assert client.get("/api/v1/admin/users").status_code == 403  # a supervisor on an admin route
    client.cookies.clear()
    login(client, "admin")
    events = client.get("/api/v1/audit", params={"action": "security"}).json()["entries"]
    kinds = [e["action"] for e in events]
    assert "login.failed" in kinds and "access.denied" in kinds
    assert "login" not in kinds  # a successful login is in the log, not among the security events
    denied = next(e for e in events if e["action"] == "access.denied")
    assert denied["username"] == "supervisor1" and denied["detail"]["path"] == "/api/v1/admin/users"
    assert denied["detail"]["reason"] == "role"
