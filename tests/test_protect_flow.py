"""Protecting agents: the agent warns twice, the third step ends the contact, the agent goes on
a recovery break the routing honours, supervisors are told, counselling is recorded; sexual
harassment ends at once; the emergency button; each step a conversation event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from dasan.conversations.models import Conversation, ConversationEvent, Message
from dasan.core import clock
from dasan.db.engine import session_scope
from dasan.protect.core import Policy, next_step
from dasan.protect.models import AbuseIncident
from dasan.routing.models import AgentStatus
from dasan.security.models import AuditEntry

from .conftest import login
from .test_conversation_flow import _intake, _user_id, offer_now


@given(st.integers(0, 5), st.integers(0, 8), st.sampled_from([None, "insult", "profanity", "threat", "sexual"]))
def test_the_policy_warns_as_many_times_as_it_says_then_ends(limit, given_, kind):
    policy = Policy(warnings_before_end=limit)
    step = next_step(policy, given_, kind)
    if kind == "sexual" or given_ >= limit:
        assert step == "end"
    else:
        assert step == f"warning_{given_ + 1}"
    assert next_step(policy, given_, kind, emergency=True) == "end"


def test_a_policy_with_unknown_kinds_or_limits_is_refused():
    with pytest.raises(ValueError, match="unknown kinds of abuse: rude"):
        Policy(one_strike=frozenset({"rude"}))
    with pytest.raises(ValueError, match="warnings before the end must be 0 to 5"):
        Policy(warnings_before_end=9)


def _accepted(client, app, factory, text, ext, phone="010-5555-0101"):
    conv_id = _intake(client, factory, text=text, ext=ext, phone=phone)["conversation_id"]
    h = {"X-CSRF-Token": login(client, "agent1")}
    client.post("/api/v1/agent/presence", json={"presence": "available"}, headers=h)
    offer_now(app, factory, conv_id)
    assert client.post(f"/api/v1/conversations/{conv_id}/accept", headers=h).status_code == 200
    return conv_id, h


def test_warning_1_then_2_then_the_end_and_a_recovery_break(client, seeded, app):
    factory = seeded
    conv_id, h = _accepted(client, app, factory, "야 이 병신아 빨리 처리해", "ab-1")
    steps = [client.post(f"/api/v1/protect/conversations/{conv_id}/warn", headers=h).json()["step"] for _ in range(3)]
    assert steps == ["warning_1", "warning_2", "end"]
    agent1 = _user_id(factory, "agent1")
    with factory() as s:
        conv = s.get_one(Conversation, conv_id)
        assert conv.status == "wrapup"
        sent = s.scalars(select(Message.body).where(Message.conversation_id == conv_id, Message.kind == "outbound")
                         .order_by(Message.seq)).all()
        assert sent[0].startswith("상담사에 대한 욕설") and sent[1].startswith("두 번째 안내") and "종료" in sent[2]
        kinds = s.scalars(select(ConversationEvent.kind).where(ConversationEvent.conversation_id == conv_id)
                          .order_by(ConversationEvent.id)).all()
        assert kinds.count("abuse_warning") == 3 and "abuse_flagged" in kinds and kinds[-1] == "abuse_ended"
        incident = s.scalars(select(AbuseIncident).where(AbuseIncident.conversation_id == conv_id)).one()
        assert incident.kind == "insult" and incident.warnings == 2 and incident.agent_id == agent1
        status = s.get_one(AgentStatus, agent1)
        assert status.presence == "break" and status.break_until is not None
        assert timedelta(minutes=9) < status.break_until - clock.now() <= timedelta(minutes=10)
    # The break holds: the agent cannot make themself available, and is offered nothing.
    r = client.post("/api/v1/agent/presence", json={"presence": "available"}, headers=h)
    assert r.status_code == 409 and r.json()["error"] == "recovery_break"
    other = _intake(client, factory, text="여권 발급 문의", ext="ab-2", phone="010-5555-0102")["conversation_id"]
    app.state.dispatcher.run_once()
    with factory() as s:
        assert s.get_one(Conversation, other).offered_to_id != agent1
    # Supervisors see the incident; the agent takes the counselling offered.
    login(client, "supervisor1")
    listed = client.get("/api/v1/protect/incidents").json()
    assert listed[0]["conversation_id"] == conv_id and listed[0]["counselling"] == "offered"
    h = {"X-CSRF-Token": login(client, "agent1")}
    r = client.post(f"/api/v1/protect/incidents/{listed[0]['id']}/counselling", json={"outcome": "accepted"}, headers=h)
    assert r.status_code == 200
    # At the break's end the dispatcher makes the agent available again.
    with session_scope(factory) as s:
        s.get_one(AgentStatus, agent1).break_until = clock.now() - timedelta(seconds=1)
    app.state.dispatcher.run_once()
    with factory() as s:
        assert s.get_one(AgentStatus, agent1).presence == "available"
        assert s.scalars(select(AuditEntry.action).where(AuditEntry.action == "protect.counselling")).all()


def test_sexual_harassment_ends_at_once_and_the_emergency_button_too(client, seeded, app):
    factory = seeded
    conv_id, h = _accepted(client, app, factory, "목소리 섹시하네 한번 만나자", "ab-3", phone="010-5555-0103")
    assert client.post(f"/api/v1/protect/conversations/{conv_id}/warn", headers=h).json()["step"] == "end"
    agent1 = _user_id(factory, "agent1")
    with factory() as s:
        assert s.scalars(select(AbuseIncident.kind).where(AbuseIncident.conversation_id == conv_id)).one() == "sexual"
        assert s.get_one(AgentStatus, agent1).break_until is not None
    # after the break, the emergency button on a contact with no flagged message
    with session_scope(factory) as s:
        s.get_one(AgentStatus, agent1).break_until = clock.now() - timedelta(seconds=1)
    app.state.dispatcher.run_once()
    conv2, h = _accepted(client, app, factory, "담당자 바꿔", "ab-4", phone="010-5555-0104")
    r = client.post(f"/api/v1/protect/conversations/{conv2}/protect", headers=h)
    assert r.status_code == 200 and r.json()["step"] == "end"
    with factory() as s:
        assert s.scalars(select(AbuseIncident.kind).where(AbuseIncident.conversation_id == conv2)).one() == "protect"


def test_only_the_agent_on_the_contact_can_warn_and_admins_set_the_policy(client, seeded, app):
    factory = seeded
    conv_id, _ = _accepted(client, app, factory, "바보야", "ab-5", phone="010-5555-0105")
    h2 = {"X-CSRF-Token": login(client, "agent2")}
    r = client.post(f"/api/v1/protect/conversations/{conv_id}/warn", headers=h2)
    assert r.status_code == 403
    hs = {"X-CSRF-Token": login(client, "supervisor1")}
    assert client.put("/api/v1/protect/policies/sms", json={"warnings_before_end": 1}, headers=hs).status_code == 403
    ha = {"X-CSRF-Token": login(client, "admin")}
    r = client.put("/api/v1/protect/policies/sms", json={"warnings_before_end": 1, "one_strike": ["sexual", "threat"]},
                   headers=ha)
    assert r.status_code == 200
    bad = client.put("/api/v1/protect/policies/sms", json={"warnings_before_end": 9}, headers=ha)
    assert bad.status_code == 422
    assert client.get("/api/v1/protect/policies/sms").json()["one_strike"] == ["sexual", "threat"]
    h = {"X-CSRF-Token": login(client, "agent1")}
    steps = [client.post(f"/api/v1/protect/conversations/{conv_id}/warn", headers=h).json()["step"] for _ in range(2)]
    assert steps == ["warning_1", "end"]  # the SMS policy: one warning
    with factory() as s:
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "protect.policy")).first() is not None


def test_the_evidence_bundle_holds_every_part_with_its_hash_for_supervisors_only(client, seeded, app):
    import hashlib
    import io
    import json
    import zipfile

    factory = seeded
    conv_id, h = _accepted(client, app, factory, "죽여버린다 전화번호 010-4821-7735 로 연락해", "ab-6",
                           phone="010-5555-0106")
    client.post(f"/api/v1/protect/conversations/{conv_id}/protect", headers=h)
    assert client.get(f"/api/v1/protect/conversations/{conv_id}/evidence").status_code == 403  # an agent
    login(client, "supervisor1")
    r = client.get(f"/api/v1/protect/conversations/{conv_id}/evidence")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(r.content))
    manifest = json.loads(z.read("manifest.json"))
    names = [p["name"] for p in manifest["parts"]]
    assert names == ["transcript.txt", "events.json", "incident.json"]
    for part in manifest["parts"]:
        data = z.read(part["name"])
        assert part["sha256"] == hashlib.sha256(data).hexdigest() and part["bytes"] == len(data)
    transcript = z.read("transcript.txt").decode()
    assert "[abuse: threat]" in transcript and "죽여버린다" in transcript
    assert "010-4821-7735" not in transcript and "***-****-****" in transcript  # identifiers masked
    assert "+09:00" in transcript  # times in the center's zone
    kinds = [e["kind"] for e in json.loads(z.read("events.json"))]
    assert "abuse_flagged" in kinds and "abuse_warning" in kinds and "abuse_ended" in kinds
    with factory() as s:
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "protect.evidence")).one()
        assert audit.subject_id == conv_id and audit.detail["parts"] == names


def test_a_recovery_break_survives_logging_out_and_a_missed_calls_break(seeded):
    from dasan.orgs.models import User
    from dasan.routing.models import Presence
    from dasan.routing.presence import do_set_presence

    factory = seeded
    until = clock.now() + timedelta(minutes=10)
    with session_scope(factory) as s:
        user = s.scalars(select(User).where(User.username == "agent2")).one()
        do_set_presence(session=s, user=user, presence=Presence.BREAK, reason="recovery", until=until)
        do_set_presence(session=s, user=user, presence=Presence.BREAK, reason="no answer")  # a missed call
        assert s.get_one(AgentStatus, user.id).break_until == until
        do_set_presence(session=s, user=user, presence=Presence.OFFLINE)  # logging out is always allowed
        assert s.get_one(AgentStatus, user.id).break_until == until
        with pytest.raises(Exception, match="on a recovery break for 10 more minutes"):
            do_set_presence(session=s, user=user, presence=Presence.AVAILABLE)


@given(st.integers(0, 20), st.integers(0, 30), st.integers(1, 365), st.one_of(st.none(), st.integers(-400, 400)))
def test_a_repeat_offender_needs_the_policys_count_and_a_renewal_never_shortens(limit, count, days, current_days):
    from dasan.protect.core import is_repeat_offender, restricted_until

    policy = Policy(offender_incidents=limit)
    assert is_repeat_offender(policy, count) == (limit > 0 and count >= limit)
    now = clock.now()
    current = None if current_days is None else now + timedelta(days=current_days)
    until = restricted_until(now, days, current)
    assert until >= now + timedelta(days=days)
    assert current is None or until >= current


def _end_for_abuse(client, app, factory, text, ext, phone):
    conv_id, h = _accepted(client, app, factory, text, ext, phone=phone)
    r = client.post(f"/api/v1/protect/conversations/{conv_id}/protect", headers=h)
    assert r.status_code == 200 and r.json()["step"] == "end"
    r = client.post(f"/api/v1/conversations/{conv_id}/wrapup", headers=h,
                    json={"category": "기타", "summary": "욕설로 종료", "resolution": "abandoned"})
    assert r.status_code == 200, r.text
    agent1 = _user_id(factory, "agent1")
    with session_scope(factory) as s:  # the recovery break over, for the next contact of the test
        s.get_one(AgentStatus, agent1).break_until = clock.now() - timedelta(seconds=1)
    app.state.dispatcher.run_once()
    return conv_id


def test_a_repeat_offenders_next_contacts_go_to_the_dedicated_team_with_the_warning_first(client, seeded, app):
    from dasan.conversations.models import Citizen
    from dasan.protect.models import OffenderRestriction

    factory = seeded
    phone = "010-5555-0201"
    first = _end_for_abuse(client, app, factory, "이 멍청한 놈아", "ro-1", phone)
    with factory() as s:  # one incident: the demo's policy wants two in 90 days
        citizen_id = s.get_one(Conversation, first).citizen_id
        assert s.get_one(Citizen, citizen_id).restricted_until is None
    second = _end_for_abuse(client, app, factory, "또 너냐 병신아", "ro-2", phone)
    with factory() as s:
        citizen = s.get_one(Citizen, citizen_id)
        assert citizen.restricted_queue == "protect"
        assert timedelta(days=29) < citizen.restricted_until - clock.now() <= timedelta(days=30)
        restriction = s.scalars(select(OffenderRestriction).where(OffenderRestriction.citizen_id == citizen_id)).one()
        assert restriction.incidents == 2
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "protect.restrict")).one()
        assert audit.subject_id == citizen_id and audit.user_id is None
        assert s.get_one(Conversation, second).queue_code == "general"  # the contact that made them one
    # The next contact, on any channel of the same citizen: the dedicated queue, the warning first.
    third = _intake(client, factory, text="쓰레기 수거 문의합니다", ext="ro-3", phone=phone)["conversation_id"]
    with factory() as s:
        conv = s.get_one(Conversation, third)
        assert conv.queue_code == "protect" and conv.status == "queued"
        msgs = s.scalars(select(Message).where(Message.conversation_id == third).order_by(Message.seq)).all()
        assert msgs[0].kind == "outbound" and msgs[0].body.startswith("이전 상담에서 욕설")
        assert msgs[1].kind == "inbound" and msgs[1].body == "쓰레기 수거 문의합니다"
        assert "offender_routed" in s.scalars(select(ConversationEvent.kind)
                                              .where(ConversationEvent.conversation_id == third)).all()
    # Supervisors review: agents may not.
    login(client, "agent1")
    assert client.get("/api/v1/protect/offenders").status_code == 403
    hs = {"X-CSRF-Token": login(client, "supervisor1")}
    listed = client.get("/api/v1/protect/offenders?active=true").json()
    row = next(o for o in listed if o["citizen_id"] == citizen_id)
    assert row["incidents"] == 2 and row["channels"] == ["sms"] and row["restriction"]["active"]
    assert "5555" not in row["phone"]  # the number masked
    rid = row["restriction"]["id"]
    before = clock.now()
    r = client.post(f"/api/v1/protect/restrictions/{rid}/extend", json={"days": 10, "note": "재발"}, headers=hs)
    assert r.status_code == 200
    with factory() as s:
        assert s.get_one(Citizen, citizen_id).restricted_until - before > timedelta(days=39)
    assert client.post(f"/api/v1/protect/restrictions/{rid}/extend", json={"days": 0}, headers=hs).status_code == 422
    r = client.post(f"/api/v1/protect/restrictions/{rid}/lift", json={"note": "면담 후 해제"}, headers=hs)
    assert r.status_code == 200 and r.json()["active"] is False
    again = client.post(f"/api/v1/protect/restrictions/{rid}/lift", json={}, headers=hs)
    assert again.status_code == 409 and again.json()["error"] == "restriction_ended"
    assert client.post("/api/v1/protect/restrictions/999999/lift", json={}, headers=hs).status_code == 404
    with factory() as s:
        assert s.get_one(Citizen, citizen_id).restricted_until is None
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.subject_type == "citizen",
                                                            AuditEntry.subject_id == citizen_id)
                            .order_by(AuditEntry.id)).all()
        assert actions == ["protect.restrict", "protect.extend", "protect.lift"]
    assert all(o["citizen_id"] != citizen_id for o in client.get("/api/v1/protect/offenders?active=true").json())
    # The day's report counts what the database holds, per channel and over all channels.
    report = client.get("/api/v1/reports/protect").json()
    with factory() as s:
        flagged = s.scalars(select(ConversationEvent.conversation_id)
                            .where(ConversationEvent.kind == "abuse_flagged")).all()
    today = [r for r in report["rows"] if r["day"] == report["end"]]
    every, sms = next(r for r in today if r["channel"] == "all"), next(r for r in today if r["channel"] == "sms")
    assert flagged and every["flagged_messages"] == sms["flagged_messages"] == len(flagged)
    assert every["abusive_contacts"] == len(set(flagged))
    assert every["ends"] == every["protect_button"] == every["recovery_breaks"] == 2 and every["warnings"] == 0
    assert every["recovery_minutes"] == 20 and every["new_offenders"] == 1 and every["offenders_active"] == 0
    assert len([r for r in report["rows"] if r["channel"] == "all"]) == 7  # every day of the week shows
    csv_text = client.get("/api/v1/reports/protect?format=csv").text
    assert csv_text.lstrip("\ufeff").startswith("day,channel,abusive_contacts") and f"{report['end']},sms," in csv_text
    bad = client.get("/api/v1/reports/protect?start=2026-12-09&end=2026-12-01")
    assert bad.status_code == 422 and bad.json()["error"] == "bad_period"
    login(client, "agent1")
    assert client.get("/api/v1/reports/protect").status_code == 403


def test_a_policy_naming_a_queue_that_does_not_exist_is_refused(client, seeded):
    ha = {"X-CSRF-Token": login(client, "admin")}
    url = "/api/v1/protect/policies/*"
    r = client.put(url, json={"offender_incidents": 1, "offender_queue": "nowhere"}, headers=ha)
    assert r.status_code == 422 and r.json()["error"] == "unknown_queue"
    r = client.put(url, json={"offender_incidents": 1, "offender_queue": "protect"}, headers=ha)
    assert r.status_code == 200
    assert client.get("/api/v1/protect/policies/webchat").json()["offender_incidents"] == 1


def test_a_policy_that_says_so_warns_and_ends_by_itself(client, seeded, app):
    factory = seeded
    ha = {"X-CSRF-Token": login(client, "admin")}
    r = client.put("/api/v1/protect/policies/sms", headers=ha,
                   json={"warnings_before_end": 1, "auto_end": True, "offender_incidents": 0})
    assert r.status_code == 200
    conv_id, h = _accepted(client, app, factory, "주차 단속 문의합니다", "au-1", phone="010-5555-0111")
    _intake(client, factory, text="언제 와요? 빨리 좀 부탁해요", ext="au-2", phone="010-5555-0111")  # not abusive
    with factory() as s:
        assert not s.scalars(select(ConversationEvent).where(ConversationEvent.conversation_id == conv_id,
                                                             ConversationEvent.kind == "abuse_warning")).all()
    _intake(client, factory, text="야 이 병신아 빨리 처리해", ext="au-3", phone="010-5555-0111")
    with factory() as s:
        warned = s.scalars(select(ConversationEvent).where(ConversationEvent.conversation_id == conv_id,
                                                           ConversationEvent.kind == "abuse_warning")).all()
        assert [(e.data["step"], e.data["auto"], e.actor_id) for e in warned] == [("warning_1", True, None)]
        last = s.scalars(select(Message).where(Message.conversation_id == conv_id).order_by(Message.seq.desc())).first()
        assert last.kind == "outbound" and last.author_id is None and last.body.startswith("상담사에 대한 욕설")
        assert s.get_one(Conversation, conv_id).status == "active"
    _intake(client, factory, text="병신 같은 소리 하지 마", ext="au-4", phone="010-5555-0111")
    agent1 = _user_id(factory, "agent1")
    with factory() as s:
        assert s.get_one(Conversation, conv_id).status == "wrapup"
        incident = s.scalars(select(AbuseIncident).where(AbuseIncident.conversation_id == conv_id)).one()
        assert incident.warnings == 1 and incident.agent_id == agent1
        assert s.get_one(AgentStatus, incident.agent_id).presence == "break"


def test_the_notice_opens_each_new_text_thread_where_the_channel_says_so(client, seeded):
    from dasan.outbox.models import OutboxItem

    factory = seeded
    first = _intake(client, factory, text="안녕하세요 문의드립니다", ext="nt-1", phone="010-5555-0121")
    first = first["conversation_id"]
    with factory() as s:  # off by default
        assert [m.kind for m in s.scalars(select(Message).where(Message.conversation_id == first))] == ["inbound"]
    ha = {"X-CSRF-Token": login(client, "admin")}
    assert client.put("/api/v1/protect/policies/sms", json={"notice": True}, headers=ha).status_code == 200
    conv_id = _intake(client, factory, text="가로등 고장 신고", ext="nt-2", phone="010-5555-0122")["conversation_id"]
    _intake(client, factory, text="위치는 시청 앞입니다", ext="nt-3", phone="010-5555-0122")
    with factory() as s:
        msgs = s.scalars(select(Message).where(Message.conversation_id == conv_id).order_by(Message.seq)).all()
        assert [m.kind for m in msgs] == ["outbound", "inbound", "inbound"]  # once per thread, first
        assert "법으로 금지" in msgs[0].body and msgs[0].body.startswith("[")
        assert s.scalars(select(OutboxItem).where(OutboxItem.message_id == msgs[0].id)).one()  # sent as an SMS
        assert "notice_sent" in s.scalars(select(ConversationEvent.kind)
                                          .where(ConversationEvent.conversation_id == conv_id)).all()
