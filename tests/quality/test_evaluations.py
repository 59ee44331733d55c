"""Evaluations over the API (both databases): a supervisor saves a form (a new version keeps the
old one for what was scored on it), scores a closed contact, the agent acknowledges or disputes,
another supervisor resolves; a calibration round is blind until each evaluator has scored, then
shows α per question; the worklist and the scores report, CSV included; every refusal says why."""

from __future__ import annotations

from datetime import timedelta

import krippendorff
import numpy as np
import pytest
from sqlalchemy import select

from dasan.center import service as center_service
from dasan.conversations.actions import do_close_with_record, do_get_or_create_citizen, do_start_conversation
from dasan.conversations.models import Resolution
from dasan.core import clock
from dasan.db.engine import session_scope
from dasan.orgs.models import User
from dasan.quality.models import QaEvaluation
from tests.conftest import login

from .test_scoring import FORM

GOOD = {"greet": "yes", "identity": "yes", "correct": 5, "followup": "na"}


def _contacts(factory, n: int, agent: str = "agent1") -> list[int]:
    ids = []
    with session_scope(factory) as s:
        user = s.scalar(select(User).where(User.username == agent))
        for i in range(n):
            citizen = do_get_or_create_citizen(session=s, kind="phone", value=f"+82107700{i:04d}")
            conv = do_start_conversation(session=s, citizen=citizen, channel="webchat")
            do_close_with_record(session=s, conv=conv, agent=user, category="교통", summary="안내",
                                 resolution=Resolution.SOLVED)
            ids.append(conv.id)
    return ids


def _today(factory) -> str:
    with factory() as s:
        return center_service.get(s).today(clock.now()).isoformat()


def _as(client, username: str) -> dict:
    client.cookies.clear()
    return {"X-CSRF-Token": login(client, username)}


def _form(client, h) -> dict:
    r = client.post("/api/v1/quality/forms", json={"code": "phone", "form": FORM}, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def test_evaluate_acknowledge_dispute_and_resolve(client, seeded, factory):
    first, second = _contacts(factory, 2)
    h = _as(client, "supervisor2")
    form = _form(client, h)
    assert form["version"] == 1
    r = client.post("/api/v1/quality/evaluations", headers=h, json={
        "form_id": form["id"], "conversation_id": first, "answers": {**GOOD, "identity": "no"},
        "comment": "본인 확인 없음"})
    assert r.status_code == 201, r.text
    failed = r.json()
    assert failed["score"] == 0.0 and failed["critical_failed"] and failed["agent"]
    again = client.post("/api/v1/quality/evaluations", headers=h, json={
        "form_id": form["id"], "conversation_id": first, "answers": GOOD})
    assert again.status_code == 409 and again.json()["error"] == "already_evaluated"

    # A new version of the form: the first evaluation keeps version 1; new scores use version 2.
    v2 = dict(FORM, name="Phone consultation 2026")
    r = client.post("/api/v1/quality/forms", json={"code": "phone", "form": v2}, headers=h)
    assert r.json()["version"] == 2
    old = client.post("/api/v1/quality/evaluations", headers=h, json={
        "form_id": form["id"], "conversation_id": second, "answers": GOOD})
    assert old.status_code == 422 and old.json()["error"] == "old_form"
    assert [f["version"] for f in client.get("/api/v1/quality/forms").json()] == [2]
    assert client.get(f"/api/v1/quality/evaluations/{failed['id']}").json()["form"]["version"] == 1

    # The agent sees it, cannot resolve it, disputes it; a second dispute is refused.
    h = _as(client, "agent1")
    mine = client.get("/api/v1/quality/evaluations/mine").json()
    assert [e["id"] for e in mine] == [failed["id"]]
    assert client.post(f"/api/v1/quality/evaluations/{failed['id']}/resolve", headers=h,
                       json={"decision": "upheld", "note": "x"}).status_code == 403
    r = client.post(f"/api/v1/quality/evaluations/{failed['id']}/dispute", headers=h,
                    json={"reason": "녹취 2분에 본인 확인을 했습니다"})
    assert r.status_code == 200 and r.json()["status"] == "disputed"
    assert client.post(f"/api/v1/quality/evaluations/{failed['id']}/dispute", headers=h,
                       json={"reason": "again"}).json()["error"] == "not_open"
    assert client.get("/api/v1/quality/evaluations").status_code == 403  # agents see only their own

    # The evaluator may not judge their own evaluation; another supervisor amends it.
    h = _as(client, "supervisor2")
    r = client.post(f"/api/v1/quality/evaluations/{failed['id']}/resolve", headers=h,
                    json={"decision": "upheld", "note": "맞음"})
    assert r.status_code == 403 and r.json()["error"] == "own_dispute"
    h = _as(client, "supervisor1")
    assert [e["id"] for e in client.get("/api/v1/quality/evaluations?status=disputed").json()] == [failed["id"]]
    r = client.post(f"/api/v1/quality/evaluations/{failed['id']}/resolve", headers=h,
                    json={"decision": "amended", "note": "본인 확인 확인됨", "answers": GOOD})
    out = r.json()
    assert r.status_code == 200 and out["status"] == "amended" and out["original_score"] == 0.0
    assert out["score"] == 100.0 and not out["critical_failed"]

    # The scores report: by agent, by question, by month, and CSV.
    today = _today(factory)
    rows = client.get(f"/api/v1/quality/scores?start={today}&end={today}&by=agent").json()["rows"]
    assert len(rows) == 1 and rows[0]["mean_score"] == 100.0 and rows[0]["disputed"] == 1
    by_question = client.get(f"/api/v1/quality/scores?start={today}&end={today}&by=question").json()["rows"]
    q = {r["question"]: r for r in by_question}
    assert q["followup"]["applied"] == 0 and q["identity"]["mean_points_pct"] == 100.0
    csv = client.get(f"/api/v1/quality/scores?start={today}&end={today}&by=agent&format=csv")
    assert csv.headers["content-type"].startswith("text/csv") and "mean_score" in csv.text.splitlines()[0]


def test_an_agent_acknowledges_and_cannot_dispute_after_the_deadline(client, seeded, factory):
    a, b = _contacts(factory, 2)
    h = _as(client, "supervisor1")
    form = _form(client, h)
    ids = [client.post("/api/v1/quality/evaluations", headers=h, json={
        "form_id": form["id"], "conversation_id": c, "answers": GOOD}).json()["id"] for c in (a, b)]
    with session_scope(factory) as s:
        s.get_one(QaEvaluation, ids[1]).dispute_until = clock.now() - timedelta(minutes=1)
    h = _as(client, "agent2")  # not theirs: not even found
    assert client.post(f"/api/v1/quality/evaluations/{ids[0]}/acknowledge", headers=h).status_code == 404
    h = _as(client, "agent1")
    ack = client.post(f"/api/v1/quality/evaluations/{ids[0]}/acknowledge", headers=h)
    assert ack.json()["status"] == "acknowledged"
    late = client.post(f"/api/v1/quality/evaluations/{ids[1]}/dispute", headers=h, json={"reason": "늦었지만"})
    assert late.status_code == 409 and late.json()["error"] == "too_late"


@pytest.mark.parametrize("body, code", [
    ({"code": "bad code", "form": FORM}, None),
    ({"code": "phone", "form": {"name": "x", "sections": []}}, "bad_form"),
    ({"code": "phone", "form": {"name": "x", "sections": [{"title": "a", "questions": [
        {"text": "q", "kind": "scale", "critical": True}]}]}}, "bad_form"),
])
def test_bad_forms_are_refused_and_nothing_is_saved(client, seeded, body, code):
    h = _as(client, "supervisor1")
    r = client.post("/api/v1/quality/forms", json=body, headers=h)
    assert r.status_code == 422
    if code:
        assert r.json()["error"] == code
    assert client.get("/api/v1/quality/forms?all=true").json() == []


def test_nobody_evaluates_their_own_contact_or_one_nobody_answered(client, seeded, factory):
    (own,) = _contacts(factory, 1, agent="supervisor1")
    h = _as(client, "supervisor1")
    form = _form(client, h)
    r = client.post("/api/v1/quality/evaluations", headers=h, json={
        "form_id": form["id"], "conversation_id": own, "answers": GOOD})
    assert r.status_code == 403 and r.json()["error"] == "own_contact"
    r = client.post("/api/v1/quality/evaluations", headers=h, json={
        "form_id": form["id"], "conversation_id": 999999, "answers": GOOD})
    assert r.status_code == 404


def test_a_calibration_round_is_blind_then_shows_the_packages_alpha(client, seeded, factory):
    contacts = _contacts(factory, 5)
    h = _as(client, "supervisor1")
    form = _form(client, h)
    with factory() as s:
        evaluators = [s.scalar(select(User.id).where(User.username == u)) for u in
                      ("supervisor1", "supervisor2", "supervisor3")]
    r = client.post("/api/v1/quality/calibrations", headers=h, json={
        "name": "12월 보정", "form_id": form["id"], "conversation_ids": contacts, "evaluator_ids": evaluators})
    assert r.status_code == 201, r.text
    round_id = r.json()["id"]
    assert r.json()["mine_to_score"] == contacts
    corrects = [[5, 4, 3, 2, 1], [5, 4, 3, 1, 1], [4, 4, 2, 2, 1]]
    for i, user in enumerate(("supervisor1", "supervisor2", "supervisor3")):
        h = _as(client, user)
        assert client.get(f"/api/v1/quality/calibrations/{round_id}").json()["results"] is None  # blind
        for j, c in enumerate(contacts):
            r = client.post("/api/v1/quality/evaluations", headers=h, json={
                "form_id": form["id"], "conversation_id": c, "calibration_id": round_id,
                "answers": {**GOOD, "correct": corrects[i][j]}})
            assert r.status_code == 201, r.text
        # One evaluator cannot see another's calibration score.
    other = client.get("/api/v1/quality/evaluations").json()
    assert other == []  # calibration scores are not evaluations of the agent
    results = client.get(f"/api/v1/quality/calibrations/{round_id}").json()["results"]
    alpha = {q["key"]: q["alpha"] for q in results["questions"]}
    expected = krippendorff.alpha(reliability_data=np.array(corrects, dtype=float), level_of_measurement="ordinal")
    assert alpha["correct"] == pytest.approx(expected)
    assert alpha["greet"] is None
    assert len(results["evaluators"]) == 3 and all(d["scored"] == 5 for d in results["evaluators"])
    h = _as(client, "agent1")
    assert client.get("/api/v1/quality/evaluations/mine").json() == []  # not shown to the agent


def test_the_worklist_picks_each_agents_contacts_and_leaves_out_what_was_scored(client, seeded, factory):
    ids = _contacts(factory, 6, agent="agent1") + _contacts(factory, 3, agent="agent2")
    h = _as(client, "supervisor1")
    today = _today(factory)
    url = f"/api/v1/quality/worklist?start={today}&end={today}&per_agent=4"
    picked = client.get(url).json()
    assert sorted(p["agent"] != "" for p in picked) == [True] * 7
    assert {p["conversation_id"] for p in picked} <= set(ids)
    form = _form(client, h)
    first = next(p for p in picked if p["conversation_id"] in ids[:6])
    client.post("/api/v1/quality/evaluations", headers=h, json={
        "form_id": form["id"], "conversation_id": first["conversation_id"], "answers": GOOD})
    again = client.get(url).json()
    assert first["conversation_id"] not in {p["conversation_id"] for p in again}
    assert len(again) == 6  # agent1 has three left of four; agent2 all three
    assert client.get(url + "&targets=angry").status_code == 422


def test_the_contact_beside_an_evaluation_has_its_transcript_and_recordings_and_is_audited(client, seeded, factory):
    from dasan.conversations.models import Message
    from dasan.security.models import AuditEntry
    from dasan.voice.models import VoiceCall

    (conv,) = _contacts(factory, 1)
    with session_scope(factory) as s:
        s.add(Message(conversation_id=conv, seq=1, kind="inbound", body="주차 과태료 문의", channel="webchat"))
        s.add(VoiceCall(sip_call_id="qa-1", conversation_id=conv, recording_path="recordings/qa-1.wav",
                        recording_s=42.0))
        s.add(VoiceCall(sip_call_id="qa-2", conversation_id=conv))  # not recorded: not offered to play
    h = _as(client, "supervisor1")
    out = client.get(f"/api/v1/quality/contacts/{conv}").json()
    assert [m["body"] for m in out["messages"]] == ["주차 과태료 문의"]
    assert [r["seconds"] for r in out["recordings"]] == [42.0]
    assert out["recordings"][0]["url"].startswith("/api/v1/voice/calls/")
    with factory() as s:
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "quality.contact.view")) is not None
    _as(client, "agent1")  # the agent sees it only once one of their contacts' evaluations names it
    assert client.get(f"/api/v1/quality/contacts/{conv}").status_code == 404
    h = _as(client, "supervisor2")
    form = _form(client, h)
    client.post("/api/v1/quality/evaluations", headers=h, json={
        "form_id": form["id"], "conversation_id": conv, "answers": GOOD})
    _as(client, "agent1")
    assert client.get(f"/api/v1/quality/contacts/{conv}").status_code == 200
    _as(client, "agent2")
    assert client.get(f"/api/v1/quality/contacts/{conv}").status_code == 404
