"""Retention and citizens' rights (M18), on both databases: the purge removes each kind of data
past its retention and nothing else, an erasure removes one citizen's personal data and nothing
of anyone else's, an export holds everything; each is logged and audited."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from dasan.conversations.models import (
    Citizen,
    CitizenIdentity,
    ConsultationRecord,
    Conversation,
    ConversationEvent,
    Message,
)
from dasan.core import clock
from dasan.db.engine import session_scope
from dasan.retention.core import check, cutoff
from dasan.retention.models import PurgeRun
from dasan.security.models import AuditEntry
from dasan.voice.models import VoiceCall

from .conftest import login

DAY = timedelta(days=1)


@given(st.sampled_from(["recordings", "transcripts", "attachments", "identities", "emails", ""]),
       st.one_of(st.none(), st.integers(-10, 40000)))
def test_a_retention_setting_is_a_known_kind_and_a_sane_number_of_days(kind, days):
    ok = kind in ("recordings", "transcripts", "attachments", "identities") and (days is None or 1 <= days <= 36500)
    if ok:
        check(kind, days)
        now = clock.now()
        assert cutoff(now, days) == (None if days is None else now - days * DAY)
    else:
        with pytest.raises(ValueError):
            check(kind, days)


def _citizen(s, name, phone, *, age_days):
    c = Citizen(display_name=name, phone=phone, created_at=clock.now() - age_days * DAY)
    s.add(c)
    s.flush()
    s.add(CitizenIdentity(citizen_id=c.id, kind="phone", value=phone))
    return c


def _contact(s, data_dir, citizen, *, closed_days_ago, key, status="closed", text="제 주소는 마포구 월드컵로 1"):
    """A contact with a citizen's message and photo, an agent's reply, a record and a recorded call."""
    now = clock.now()
    closed = now - closed_days_ago * DAY if status == "closed" else None
    conv = Conversation(citizen_id=citizen.id, channel="voice", status=status,
                        created_at=now - (closed_days_ago + 1) * DAY, closed_at=closed, last_seq=2)
    s.add(conv)
    s.flush()
    files = data_dir / "attachments"
    files.mkdir(parents=True, exist_ok=True)
    (files / key).write_bytes(b"photo " + key.encode())
    (files / f"{key}.type").write_text("image/jpeg")
    s.add_all([Message(conversation_id=conv.id, seq=1, kind="inbound", body=text, channel="voice",
                       attachments=[{"url": f"/api/v1/attachments/{key}", "name": "p.jpg"}]),
               Message(conversation_id=conv.id, seq=2, kind="outbound", body="안내해 드렸습니다", channel="voice")])
    s.add(ConversationEvent(conversation_id=conv.id, kind="abuse_flagged", data={"kind": "insult", "words": ["바보"]}))
    rec = data_dir / "recordings" / f"{key[:8]}.wav"
    rec.parent.mkdir(parents=True, exist_ok=True)
    rec.write_bytes(b"RIFF....WAVE")
    s.add(VoiceCall(sip_call_id=f"call-{key[:12]}", from_number=citizen.phone, conversation_id=conv.id,
                    started_at=now - (closed_days_ago + 1) * DAY, ended_at=closed or now,
                    recording_path=f"recordings/{key[:8]}.wav"))
    if status == "closed":
        s.add(ConsultationRecord(conversation_id=conv.id, citizen_id=citizen.id, channel="voice", category="청소",
                                 summary=f"{citizen.display_name} 님 주소 안내", resolution="solved", closed_at=closed))
    s.flush()
    return conv.id


def test_the_purge_removes_each_kind_past_its_retention_and_nothing_else(client, seeded, app):
    factory, data_dir = seeded, app.state.settings.data_dir
    with session_scope(factory) as s:
        old = _citizen(s, "김옛날", "+821055550401", age_days=400)
        recent = _citizen(s, "이최근", "+821055550402", age_days=400)
        waiting = _citizen(s, "박대기", "+821055550403", age_days=400)
        old_conv = _contact(s, data_dir, old, closed_days_ago=200, key="a" * 64)
        recent_conv = _contact(s, data_dir, recent, closed_days_ago=5, key="b" * 64)
        shared = _contact(s, data_dir, old, closed_days_ago=200, key="c" * 64)  # a photo both sent
        s.add(Message(conversation_id=recent_conv, seq=3, kind="inbound", body="같은 사진", channel="voice",
                      attachments=[{"url": f"/api/v1/attachments/{'c' * 64}", "name": "same.jpg"}]))
        _contact(s, data_dir, waiting, closed_days_ago=200, key="d" * 64)
        s.add(Conversation(citizen_id=waiting.id, channel="sms", status="queued"))  # an open contact keeps them
        ids = old.id, recent.id, waiting.id
    ha = {"X-CSRF-Token": login(client, "admin")}
    r = client.put("/api/v1/privacy/retention", headers=ha,
                   json={"recordings": 90, "transcripts": 180, "attachments": 30, "identities": 180})
    assert r.status_code == 200 and r.json()["identities"] == 180
    assert client.put("/api/v1/privacy/retention", json={"recordings": 0}, headers=ha).status_code == 422
    done = client.post("/api/v1/privacy/retention/purge", headers=ha).json()
    # `old`: 2 contacts × (2 messages, 1 photo, 1 call) and its identity; `waiting`: 1 closed contact
    assert done["removed"] == {"recordings": 3, "transcripts": 6, "attachments": 3, "identities": 1}
    with factory() as s:
        o, rc, w = (s.get_one(Citizen, i) for i in ids)
        assert o.erased_at is not None and o.phone == o.display_name == ""
        left = select(func.count()).select_from(CitizenIdentity).where(CitizenIdentity.citizen_id == o.id)
        assert s.scalar(left) == 0
        assert rc.erased_at is None and rc.display_name == "이최근"  # a contact 6 days ago
        assert w.erased_at is None and w.phone == "+821055550403"  # a contact still open
        for conv_id in (old_conv, shared):
            for m in s.scalars(select(Message).where(Message.conversation_id == conv_id)):
                assert m.body == "" and m.purged_at is not None and m.attachments == []
            flags = s.scalars(select(ConversationEvent.data).where(ConversationEvent.conversation_id == conv_id)).all()
            assert all("words" not in d for d in flags) and all(d["kind"] == "insult" for d in flags)
        kept = s.scalars(select(Message).where(Message.conversation_id == recent_conv).order_by(Message.seq)).all()
        assert [m.body for m in kept] == ["제 주소는 마포구 월드컵로 1", "안내해 드렸습니다", "같은 사진"]
        assert all(m.purged_at is None for m in kept) and kept[0].attachments
        calls = {c.conversation_id: c for c in s.scalars(select(VoiceCall))}
        assert calls[old_conv].recording_path == "" and calls[recent_conv].recording_path
        # The record of the work stays: category, outcome, times.
        assert s.scalar(select(ConsultationRecord.category).where(ConsultationRecord.conversation_id == old_conv))
        run = s.scalars(select(PurgeRun)).one()
        assert run.reason == "retention" and run.user_id is None
        assert run.removed == done["removed"]
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "retention.purge")).one()
        assert audit.detail["removed"] == run.removed
        assert s.scalars(select(AuditEntry.action).where(AuditEntry.action == "retention.set")).all()
    files = data_dir / "attachments"
    assert not (files / ("a" * 64)).exists() and not (files / ("d" * 64)).exists()
    assert (files / ("b" * 64)).exists() and (files / ("c" * 64)).exists()  # still sent in a kept message
    assert not (data_dir / "recordings" / ("a" * 8 + ".wav")).exists()
    assert (data_dir / "recordings" / ("b" * 8 + ".wav")).exists()
    # A second run finds nothing more; the log lists the run.
    assert not any(client.post("/api/v1/privacy/retention/purge", headers=ha).json()["removed"].values())
    assert client.get("/api/v1/privacy/purges").json()[0]["reason"] == "retention"


def test_a_citizens_data_is_exported_then_erased_on_request(client, seeded, app):
    factory, data_dir = seeded, app.state.settings.data_dir
    with session_scope(factory) as s:
        asker = _citizen(s, "최요청", "+821055550501", age_days=30)
        other = _citizen(s, "정다른", "+821055550502", age_days=30)
        mine = _contact(s, data_dir, asker, closed_days_ago=3, key="e" * 64, text="제 번호는 010-5555-0501")
        theirs = _contact(s, data_dir, other, closed_days_ago=3, key="f" * 64)
        ids = asker.id, other.id
    login(client, "agent1")
    assert client.get(f"/api/v1/privacy/citizens/{ids[0]}/export").status_code == 403
    hs = {"X-CSRF-Token": login(client, "supervisor1")}
    r = client.get(f"/api/v1/privacy/citizens/{ids[0]}/export")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(r.content))
    data = json.loads(z.read("data.json"))
    assert data["citizen"]["name"] == "최요청" and data["identities"] == [{"kind": "phone", "value": "+821055550501"}]
    assert data["contacts"][0]["messages"][0]["text"] == "제 번호는 010-5555-0501"
    assert data["contacts"][0]["record"]["category"] == "청소"
    assert f"recording-{data['calls'][0]['id']}.wav" in z.namelist() and f"files/{'e' * 64}" in z.namelist()
    manifest = json.loads(z.read("manifest.json"))
    assert {p["name"] for p in manifest["parts"]} == set(z.namelist()) - {"manifest.json"}

    assert client.post(f"/api/v1/privacy/citizens/{ids[0]}/erase", json={"reason": ""}, headers=hs).status_code == 422
    r = client.post(f"/api/v1/privacy/citizens/{ids[0]}/erase", headers=hs,
                    json={"reason": "2026-12-07 전화 요청, 본인 확인"})
    assert r.status_code == 200, r.text
    assert r.json()["removed"]["transcripts"] == 2 and r.json()["removed"]["recordings"] == 1
    again = client.post(f"/api/v1/privacy/citizens/{ids[0]}/erase", json={"reason": "again"}, headers=hs)
    assert again.status_code == 409 and again.json()["error"] == "already_erased"
    nobody = client.post("/api/v1/privacy/citizens/999999/erase", json={"reason": "nobody"}, headers=hs)
    assert nobody.status_code == 404
    with factory() as s:
        a, o = s.get_one(Citizen, ids[0]), s.get_one(Citizen, ids[1])
        assert a.erased_at is not None and (a.display_name, a.phone) == ("", "")
        assert o.erased_at is None and o.display_name == "정다른"
        assert [m.body for m in s.scalars(select(Message).where(Message.conversation_id == mine))] == ["", ""]
        kept = s.scalars(select(Message.body).where(Message.conversation_id == theirs).order_by(Message.seq)).all()
        assert kept == ["제 주소는 마포구 월드컵로 1", "안내해 드렸습니다"]
        assert s.scalar(select(ConsultationRecord.summary).where(ConsultationRecord.conversation_id == mine)) == ""
        assert s.scalar(select(ConsultationRecord.summary).where(ConsultationRecord.conversation_id == theirs))
        assert s.scalar(select(VoiceCall.from_number).where(VoiceCall.conversation_id == mine)) == ""
        entries = s.scalars(select(AuditEntry).where(AuditEntry.subject_type == "citizen",
                                                     AuditEntry.subject_id == ids[0]).order_by(AuditEntry.id)).all()
        assert [e.action for e in entries] == ["privacy.export", "privacy.erase"]
        assert entries[1].detail["reason"].startswith("2026-12-07")
        assert s.scalars(select(PurgeRun.reason).where(PurgeRun.citizen_id == ids[0])).one() == "erasure"
    assert not (data_dir / "attachments" / ("e" * 64)).exists() and (data_dir / "attachments" / ("f" * 64)).exists()
    # A contact from the same number later is a new citizen.
    with session_scope(factory) as s:
        assert s.scalar(select(CitizenIdentity).where(CitizenIdentity.value == "+821055550501")) is None


def test_erasure_waits_for_an_open_contact_to_close(client, seeded):
    factory = seeded
    with session_scope(factory) as s:
        c = _citizen(s, "한대기", "+821055550601", age_days=1)
        s.add(Conversation(citizen_id=c.id, channel="sms", status="active"))
        cid = c.id
    hs = {"X-CSRF-Token": login(client, "supervisor1")}
    r = client.post(f"/api/v1/privacy/citizens/{cid}/erase", json={"reason": "본인 요청"}, headers=hs)
    assert r.status_code == 409 and r.json()["error"] == "contact_open"
    with factory() as s:
        assert s.get_one(Citizen, cid).erased_at is None
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.erase")).first() is None


def test_a_supervisor_finds_the_citizen_a_request_is_about(client, seeded):
    factory = seeded
    with session_scope(factory) as s:
        c = _citizen(s, "오찾기", "+821055550801", age_days=2)
        c.email = "find.me@example.org"
        cid = c.id
    login(client, "agent1")
    assert client.get("/api/v1/privacy/citizens", params={"q": "010-5555-0801"}).status_code == 403
    login(client, "supervisor1")
    for q in ("010-5555-0801", "01055550801", "+82 10 5555 0801", "find.me@example.org"):
        found = client.get("/api/v1/privacy/citizens", params={"q": q}).json()
        assert [f["id"] for f in found] == [cid], q
    assert client.get("/api/v1/privacy/citizens", params={"q": "010-9999-0000"}).json() == []
    assert client.get("/api/v1/privacy/citizens", params={"q": "ab"}).status_code == 422
    with factory() as s:
        searches = s.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.search")).all()
        assert len(searches) == 5 and searches[0].detail["found"] == [cid]


def test_recordings_are_kept_a_year_until_an_admin_says_otherwise(client, seeded, app):
    factory, data_dir = seeded, app.state.settings.data_dir
    with session_scope(factory) as s:
        c = _citizen(s, "남녹음", "+821055550701", age_days=800)
        year_old = _contact(s, data_dir, c, closed_days_ago=370, key="1" * 64)
        month_old = _contact(s, data_dir, c, closed_days_ago=30, key="2" * 64)
    ha = {"X-CSRF-Token": login(client, "admin")}
    assert client.get("/api/v1/privacy/retention").json() == {
        "recordings": 365, "transcripts": None, "attachments": None, "identities": None}
    assert client.post("/api/v1/privacy/retention/purge", headers=ha).json()["removed"] == {
        "recordings": 1, "transcripts": 0, "attachments": 0, "identities": 0}
    with factory() as s:
        calls = {k.conversation_id: k.recording_path for k in s.scalars(select(VoiceCall))}
        assert calls[year_old] == "" and calls[month_old]
